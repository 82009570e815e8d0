// The page's end of call signaling on the media app's /media socket: requests answered by id, and the
// room's notifications as events. One socket per call session; the token rides in the URL (browsers
// cannot set headers on a WebSocket).

/** A refused signaling request, with the server's code (NOT_IN_CALL, FLOOR_TAKEN, MEDIA_UNAVAILABLE …). */
export class SignalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Listener = (data: Record<string, any>) => void;

const REQUEST_TIMEOUT_MS = 10_000;

export class MediaSignaling {
  private socket?: WebSocket;
  private next = 0;
  private readonly pending = new Map<string, { resolve: (data: any) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly url: string,
    private readonly token: () => Promise<string>,
  ) {}

  /** Opens the socket; resolves once it is open, rejects if it closes first. */
  async open(): Promise<void> {
    const socket = new WebSocket(`${this.url}?access_token=${encodeURIComponent(await this.token())}`);
    this.socket = socket;
    socket.onmessage = (message) => {
      const { event, data } = JSON.parse(String(message.data)) as { event: string; data: Record<string, any> };
      if (event === 'response') return this.settle(data);
      for (const listener of this.listeners.get(event) ?? []) listener(data);
    };
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onclose = (e) => reject(new SignalingError('SIGNALING_CLOSED', e.reason || 'the call server cannot be reached'));
    });
    socket.onclose = (e) => {
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new SignalingError('SIGNALING_CLOSED', 'the connection to the call server closed'));
      }
      this.pending.clear();
      for (const listener of this.listeners.get('closed') ?? []) listener({ code: e.code, reason: e.reason });
    };
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  request<T = Record<string, any>>(method: string, params: Record<string, unknown>): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new SignalingError('SIGNALING_CLOSED', 'not connected to the call server'));
    const id = `r${++this.next}`;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalingError('TIMEOUT', `${method} got no answer in ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ event: 'request', data: { id, method, params } }));
    });
  }

  on(event: string, listener: Listener): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  close(): void {
    this.listeners.clear();
    this.socket?.close(1000, 'done');
  }

  private settle(data: Record<string, any>): void {
    const p = this.pending.get(String(data.id));
    if (!p) return;
    this.pending.delete(String(data.id));
    clearTimeout(p.timer);
    if (data.ok) p.resolve(data.data);
    else p.reject(new SignalingError(data.error?.code ?? 'ERROR', data.error?.message ?? 'refused'));
  }
}

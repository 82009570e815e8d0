import type { FeedFrame } from './feed-payloads';
import { type ClientFrames, CloseCodes, type ServerFrames, type StreamName, type Viewport } from './protocol';

/** The subset of the WebSocket API the client uses: the browser's, or `ws` in Node. */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface RealtimeClientOptions {
  /** ws(s)://host/ws */
  url: string;
  /** The current access token; called on every (re)connect, so a refreshed one is used. */
  token: () => string | Promise<string>;
  streams: StreamName[];
  viewport?: Viewport;
  /** Where to resume from at the first connect (a snapshot's feedId); later reconnects use the last id seen. */
  after?: string;
  /** Reconnect backoff: full jitter over base·2^attempt, capped. */
  backoff?: { baseMs: number; maxMs: number };
  /** The WebSocket constructor (Node: `ws`); the global one by default. */
  WebSocket?: new (url: string) => SocketLike;
  random?: () => number;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

type Handlers = { [E in keyof ServerFrames]?: Set<(data: ServerFrames[E]) => void> } & {
  state?: Set<(state: ConnectionState, detail?: string) => void>;
};

const OPEN = 1;

/**
 * The typed realtime client: connects, subscribes, resumes after any disconnect from the last feed
 * id it saw (no gap, no duplicate), reconnects with exponential backoff and full jitter, refreshes
 * its token on the socket, and tells the server about user activity for presence.
 */
export class RealtimeClient {
  state: ConnectionState = 'closed';
  /** The last feed id received: where the next connection resumes. */
  lastId: string | undefined;
  private socket?: SocketLike;
  private attempt = 0;
  private stopped = false;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly handlers: Handlers = {};
  private viewport: Viewport | undefined;

  constructor(private readonly options: RealtimeClientOptions) {
    this.lastId = options.after;
    this.viewport = options.viewport;
  }

  on<E extends keyof ServerFrames>(event: E, handler: (data: ServerFrames[E]) => void): () => void;
  on(event: 'state', handler: (state: ConnectionState, detail?: string) => void): () => void;
  on(event: string, handler: (...args: never[]) => void): () => void {
    const set = ((this.handlers as Record<string, Set<unknown>>)[event] ??= new Set());
    set.add(handler);
    return () => set.delete(handler);
  }

  connect(): void {
    this.stopped = false;
    void this.open();
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, 'client closed');
    this.setState('closed');
  }

  /** Sends a frame if connected; returns whether it went out. */
  send<E extends keyof ClientFrames>(event: E, data: ClientFrames[E]): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify({ event, data }));
    return true;
  }

  setViewport(viewport: Viewport | null): void {
    this.viewport = viewport ?? undefined;
    this.send('viewport', { viewport });
  }

  /** Resume from a snapshot's id (after a `reload`). */
  resumeFrom(feedId: string): void {
    this.lastId = feedId;
    this.send('subscribe', { streams: this.options.streams, after: feedId, ...(this.viewport ? { viewport: this.viewport } : {}) });
  }

  /** Backoff before reconnect attempt `attempt` (0-based): random in [0, min(max, base·2^attempt)). */
  static backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
    return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
  }

  private async open(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const Socket = this.options.WebSocket ?? (globalThis as unknown as { WebSocket: new (url: string) => SocketLike }).WebSocket;
    let token: string;
    try {
      token = await this.options.token();
    } catch {
      this.scheduleReconnect('no token');
      return;
    }
    const url = `${this.options.url}${this.options.url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`;
    const socket = new Socket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      this.send('subscribe', {
        streams: this.options.streams,
        ...(this.lastId ? { after: this.lastId } : {}),
        ...(this.viewport ? { viewport: this.viewport } : {}),
      });
    };
    socket.onmessage = (message) => this.dispatch(String(message.data));
    socket.onerror = () => undefined; // onclose follows
    socket.onclose = ({ code, reason }) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.stopped) return;
      if (code === CloseCodes.slowConsumer) {
        const resume = /resume after (\S+)/.exec(reason)?.[1];
        if (resume && resume !== '0-0') this.lastId = resume;
      }
      this.scheduleReconnect(`closed ${code}${reason ? `: ${reason}` : ''}`);
    };
  }

  private scheduleReconnect(detail: string): void {
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 500, maxMs: 30_000 };
    const wait = RealtimeClient.backoffMs(this.attempt++, baseMs, maxMs, this.options.random);
    this.setState('reconnecting', detail);
    this.timer = setTimeout(() => void this.open(), wait);
  }

  private dispatch(text: string): void {
    let frame: { event: keyof ServerFrames; data: unknown };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.event === 'feed') this.lastId = (frame.data as FeedFrame).id;
    if (frame.event === 'reload') this.lastId = undefined;
    const set = this.handlers[frame.event] as Set<(data: unknown) => void> | undefined;
    set?.forEach((handler) => handler(frame.data));
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    this.handlers.state?.forEach((handler) => handler(state, detail));
  }
}

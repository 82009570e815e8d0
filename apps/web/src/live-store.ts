// The page's live connection: board snapshots over REST, then the realtime feed from their ids,
// resumed after every disconnect (network loss, server restart, another node) without a reload.
import { signal } from '@preact/signals';
import { type ChatMessagePayload, compareFeedIds, type ConnectionState, type PresenceFrame, RealtimeClient, type StreamName } from '#libs/realtime-client';
import { CallController } from './call/call-controller';
import { type ChatMessage, LiveState } from './live-state';
import type { Session } from './session';

export interface WebConfig {
  realtimeUrl: string | null;
  mediaUrl: string | null;
  /** A MapLibre style for the base map (streets); null: the local one without tiles. */
  mapStyleUrl: string | null;
}

export interface Notice {
  id: number;
  tone: 'info' | 'error';
  text: string;
}

const TYPING_SHOWN_MS = 4_000;
const ACTIVITY_EVERY_MS = 30_000;

export class LiveStore {
  readonly state = new LiveState();
  /** Bumped (at most once per frame) when the state changed: views read it to re-render. */
  readonly tick = signal(0);
  readonly connection = signal<ConnectionState | 'offline'>('connecting');
  /** When the current connection opened (epoch ms): shown on the indicator. */
  readonly connectedSince = signal(0);
  readonly notices = signal<Notice[]>([]);
  /** jobId → who is typing there, until when. */
  readonly typing = signal(new Map<string, { userId: string; role: string; until: number }>());
  readonly client: RealtimeClient;
  readonly calls: CallController;
  private pending = false;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  /** Removes every page listener on stop (sign-out), so a stopped store never reconnects. */
  private readonly listening = new AbortController();
  private connectedBefore = false;
  private catchingUp = false;
  private missed = 0;
  private noticeId = 0;

  constructor(
    readonly session: Session,
    readonly config: WebConfig,
  ) {
    this.calls = new CallController(session, config.mediaUrl);
    const dispatcher = session.me.role !== 'technician';
    // a technician's streams carry only what concerns them (the gateway filters)
    const streams: StreamName[] = dispatcher ? ['jobs', 'technicians', 'locations', 'presence', 'alerts', 'chat', 'calls'] : ['jobs', 'technicians', 'chat', 'alerts', 'calls'];
    this.client = new RealtimeClient({
      url: config.realtimeUrl ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:3003/ws`,
      token: () => session.accessToken(),
      streams,
      backoff: { baseMs: 500, maxMs: 15_000 },
    });
    this.client.on('state', (state) => {
      this.connection.value = navigator.onLine ? state : 'offline';
      if (state === 'open') this.connectedSince.value = Date.now();
    });
    // The gateway replays what a resuming socket missed before it confirms with `subscribed`: what
    // arrives between the socket opening and that frame is what this page missed while away.
    this.client.on('state', (state) => {
      if (state === 'open' && this.connectedBefore) {
        this.catchingUp = true;
        this.missed = 0;
      }
    });
    this.client.on('subscribed', () => {
      if (this.catchingUp) this.notify('info', this.missed > 0 ? `Back online — ${this.missed} update${this.missed === 1 ? '' : 's'} caught up.` : 'Back online — nothing was missed.');
      this.catchingUp = false;
      this.connectedBefore = true;
    });
    this.client.on('feed', (entry) => {
      const changed = this.state.apply(entry);
      if (changed && this.catchingUp) this.missed++;
      if (changed) this.changed();
      // a message from someone ends their typing indicator
      if (entry.kind === 'chat' && entry.type === 'chat.message_posted') {
        const { jobId, authorId } = entry.data as ChatMessagePayload;
        this.stopTyping(jobId, authorId);
      }
    });
    this.client.on('reload', () => void this.reload());
    this.client.on('positions', ({ items }) => {
      this.state.loadPositions(items);
      this.changed();
    });
    this.client.on('presence.snapshot', ({ items }) => {
      this.state.loadPresence(items);
      this.changed();
    });
    this.client.on('presence', (frame: PresenceFrame) => {
      this.state.presence.set(frame.userId, frame);
      this.changed();
    });
    this.client.on('typing', ({ jobId, userId, role }) => {
      if (userId === session.me.userId) return;
      const next = new Map(this.typing.value);
      next.set(jobId, { userId, role, until: Date.now() + TYPING_SHOWN_MS });
      this.typing.value = next;
      setTimeout(() => this.expireTyping(), TYPING_SHOWN_MS + 50);
    });
    this.client.on('error', ({ code, message }) => this.notify('error', `${code}: ${message}`));
    // The browser knows before the socket does: close at once when offline, reconnect at once when back.
    const { signal: until } = this.listening;
    addEventListener(
      'offline',
      () => {
        this.connection.value = 'offline';
        this.client.close();
      },
      { signal: until },
    );
    addEventListener('online', () => this.client.connect(), { signal: until });
  }

  async start(): Promise<void> {
    const feedId = await this.loadSnapshots();
    this.client.resumeFrom(feedId);
    this.client.connect();
    this.timers.push(setInterval(() => void this.keepTokenFresh(), 10_000));
    this.reportActivity();
    void this.calls.restore();
  }

  stop(): void {
    this.listening.abort();
    this.timers.forEach(clearInterval);
    this.client.close();
  }

  /** The socket gets a fresh token before its own runs out (else the gateway closes it with 4001). */
  private async keepTokenFresh(): Promise<void> {
    if (!this.session.renewalDue || this.client.state !== 'open') return;
    try {
      this.client.send('auth', { token: await this.session.renew() });
    } catch {
      this.notify('error', 'The session could not be renewed; sign in again if the page stops updating.');
    }
  }

  /** Presence: active while the person uses the page (at most one frame per interval), idle when it is hidden. */
  private reportActivity(): void {
    let lastSent = 0;
    const active = () => {
      if (document.visibilityState !== 'visible' || Date.now() - lastSent < ACTIVITY_EVERY_MS) return;
      if (this.client.send('presence', { state: 'active' })) lastSent = Date.now();
    };
    const { signal } = this.listening;
    for (const event of ['pointerdown', 'keydown', 'wheel']) addEventListener(event, active, { passive: true, signal });
    document.addEventListener(
      'visibilitychange',
      () => {
        if (document.visibilityState === 'hidden') {
          this.client.send('presence', { state: 'idle' });
          lastSent = 0;
        } else active();
      },
      { signal },
    );
  }

  async loadChat(jobId: string): Promise<void> {
    const page = await this.session.get<{ items: ChatMessage[] }>(`/jobs/${encodeURIComponent(jobId)}/chat?limit=200`);
    this.state.loadChat(jobId, page.items);
    this.changed();
  }

  notify(tone: Notice['tone'], text: string): void {
    const notice = { id: ++this.noticeId, tone, text };
    this.notices.value = [...this.notices.value.slice(-4), notice];
    setTimeout(() => (this.notices.value = this.notices.value.filter((n) => n !== notice)), tone === 'error' ? 8_000 : 5_000);
  }

  /** Loads the boards and answers the oldest feed id among them (replaying from it is harmless). */
  private async loadSnapshots(): Promise<string> {
    const boards = await Promise.all(['/board/jobs', '/board/technicians', '/board/positions', '/board/presence'].map((path) => this.session.get(path)));
    const [jobs, technicians, positions, devices] = boards;
    this.state.loadJobs(jobs.items);
    this.state.loadTechnicians(technicians.items);
    this.state.loadPositions(positions.items);
    this.state.loadDevices(devices.items);
    this.changed();
    return boards.map((s) => s.feedId as string).sort(compareFeedIds)[0]!;
  }

  private async reload(): Promise<void> {
    this.notify('info', 'Away too long for the live feed: reloading the boards.');
    try {
      this.client.resumeFrom(await this.loadSnapshots());
    } catch {
      this.notify('error', 'Could not reload the boards; retrying when the connection is back.');
    }
  }

  private stopTyping(jobId: string, userId: string): void {
    if (this.typing.value.get(jobId)?.userId !== userId) return;
    const next = new Map(this.typing.value);
    next.delete(jobId);
    this.typing.value = next;
  }

  private expireTyping(): void {
    const now = Date.now();
    const next = new Map([...this.typing.value].filter(([, t]) => t.until > now));
    if (next.size !== this.typing.value.size) this.typing.value = next;
  }

  private changed(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.tick.value++;
    });
  }
}

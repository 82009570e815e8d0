import { randomUUID } from 'node:crypto';
import ws, { type WebSocket } from 'ws';
import type { FeedEntry } from '#libs/live';
import { CloseCodes, type FeedFrameOf, type FeedKind, type ServerFrames, type StreamName, type Viewport } from '#libs/realtime-client';

/**
 * A feed entry as the hub hands it to sockets: its order parsed once, its frame encoded once and
 * shared by every socket that gets it (a fan-out to 10,000 sockets serializes once, not 10,000 times).
 */
export class HubEntry {
  readonly ms: number;
  readonly seq: number;
  private encoded?: Buffer;

  constructor(readonly entry: FeedEntry) {
    const dash = entry.id.indexOf('-');
    this.ms = Number(entry.id.slice(0, dash));
    this.seq = Number(entry.id.slice(dash + 1));
  }

  get frame(): Buffer {
    const e = this.entry;
    // The wire's field order, whichever object the entry came in.
    const frame: FeedFrameOf<FeedKind> = { id: e.id, kind: e.kind, type: e.type, subjectId: e.subjectId, ...(e.technicianId ? { technicianId: e.technicianId } : {}), ...(e.traceparent ? { traceparent: e.traceparent } : {}), data: e.data };
    return (this.encoded ??= Buffer.from(JSON.stringify({ event: 'feed', data: frame })));
  }

  /** The whole WebSocket text frame (server frames are unmasked, so one frame fits every socket). */
  get wire(): Buffer {
    return (this.framed ??= Buffer.concat(Sender.frame(this.frame, { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false })));
  }

  private framed?: Buffer;
}

/** ws's frame builder (exported at run time as WebSocket.Sender, not in its types). */
const Sender = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender;

/** ws internals used for the shared frame: the TCP socket and the sender's queue (empty unless compressing). */
interface WsInternals {
  _socket?: { write(data: Buffer): boolean };
  _sender?: { _queue: unknown[] };
}

export interface Caller {
  tenantId: string;
  userId: string;
  role: string;
  technicianId?: string;
}

export interface ConnectionLimits {
  highWaterBytes: number;
  maxQueued: number;
}

const streamOf: Record<FeedKind, StreamName> = {
  location: 'locations',
  job: 'jobs',
  technician: 'technicians',
  presence: 'presence',
  alert: 'alerts',
  chat: 'chat',
  call: 'calls',
};

/**
 * One socket: who it is, what it follows, and its outbound path. Feed entries are delivered in id
 * order, each at most once; while a resume catches up, live entries wait in a buffer. Past the
 * high-water mark of unsent bytes, location updates are coalesced per subject (latest wins) and
 * everything else is queued; past the queue bound the socket is closed with the id to resume after.
 */
export class Connection {
  readonly id = randomUUID();
  streams = new Set<StreamName>();
  viewport: Viewport | null = null;
  /** The last feed id handed to this socket (resume point), and its parsed order. */
  cursor: string | null = null;
  private cursorMs = -1;
  private cursorSeq = -1;
  alive = true;
  private catchingUp = false;
  // Allocated only when needed: most sockets never catch up long or fall behind.
  private buffered?: HubEntry[];
  private queue?: (string | Buffer)[];
  private coalesced?: Map<string, Buffer>;
  /** Resume point for a slow-consumer close: everything up to it reached the socket's buffer. */
  private resumeAfter: string | null = null;
  private closed = false;
  /** Told when the socket turns congested (for logs and metrics). */
  onCongestion?: (bufferedBytes: number) => void;

  constructor(
    readonly socket: WebSocket,
    public caller: Caller,
    private readonly limits: ConnectionLimits,
    /** When the user was last active here (epoch ms, the app's clock; 0 after they reported idle). Connecting counts. */
    public lastActivity: number,
  ) {}

  /** Starts following after `cursor`; entries offered before `endCatchUp` wait (no gap, no duplicate). */
  beginCatchUp(cursor: string): void {
    this.setCursor(cursor);
    this.catchingUp = true;
  }

  endCatchUp(): void {
    this.catchingUp = false;
    const waiting = this.buffered ?? [];
    this.buffered = undefined;
    for (const entry of waiting) this.offer(entry);
  }

  /** A feed entry for this tenant, live or from a catch-up read. */
  offer(hubEntry: HubEntry, fromCatchUp = false): void {
    if (this.catchingUp && !fromCatchUp) {
      (this.buffered ??= []).push(hubEntry);
      // Live entries wait while a long resume reads; bounded like the send queue: past it, the client
      // reconnects and resumes from where the catch-up got to (the entries are all in the feed).
      if (this.buffered.length > this.limits.maxQueued) this.close(CloseCodes.slowConsumer, `slow consumer; resume after ${this.cursor ?? '0-0'}`);
      return;
    }
    if (this.cursor === null || hubEntry.ms < this.cursorMs || (hubEntry.ms === this.cursorMs && hubEntry.seq <= this.cursorSeq)) return;
    const previous = this.cursor;
    this.cursor = hubEntry.entry.id;
    this.cursorMs = hubEntry.ms;
    this.cursorSeq = hubEntry.seq;
    if (!this.wants(hubEntry.entry)) return;
    // Fast path: the pre-built frame straight onto the TCP socket, when ws has nothing of its own queued.
    const internals = this.socket as unknown as WsInternals;
    if (!this.congested && !this.closed && internals._socket && internals._sender?._queue.length === 0 && this.socket.readyState === 1 && this.socket.bufferedAmount <= this.limits.highWaterBytes) {
      internals._socket.write(hubEntry.wire);
      return;
    }
    this.write(hubEntry.frame, hubEntry.entry, previous);
  }

  private setCursor(id: string): void {
    const dash = id.indexOf('-');
    this.cursor = id;
    this.cursorMs = Number(id.slice(0, dash));
    this.cursorSeq = Number(id.slice(dash + 1));
  }

  /** Whether this caller follows and may see the entry. */
  wants(entry: FeedEntry): boolean {
    if (!this.streams.has(streamOf[entry.kind])) return false;
    if (this.caller.role === 'technician') {
      const self = this.caller.technicianId;
      const formerTechnicianId = entry.kind === 'job' ? entry.data?.formerTechnicianId : undefined;
      if (!self || (entry.technicianId !== self && entry.subjectId !== self && formerTechnicianId !== self)) return false;
    }
    if (entry.kind === 'location' && this.viewport) {
      const { lat, lon } = entry.data;
      const v = this.viewport;
      const inLon = v.west <= v.east ? lon >= v.west && lon <= v.east : lon >= v.west || lon <= v.east; // across the antimeridian
      if (!(lat >= v.south && lat <= v.north && inLon)) return false;
    }
    return true;
  }

  send<E extends keyof ServerFrames>(event: E, data: ServerFrames[E]): void {
    this.write(JSON.stringify({ event, data }), null, this.cursor);
  }

  /** `previous`: the cursor before this frame, where a resume must start if this one is not sent. */
  private write(data: string | Buffer, entry: FeedEntry | null, previous: string | null): void {
    if (this.closed) return;
    if (!this.congested && this.socket.bufferedAmount <= this.limits.highWaterBytes) {
      this.socket.send(data, { binary: false });
      return;
    }
    if (this.resumeAfter === null) {
      this.resumeAfter = previous;
      this.onCongestion?.(this.socket.bufferedAmount);
    }
    if (entry?.kind === 'location' && Buffer.isBuffer(data)) {
      this.coalesced ??= new Map();
      this.coalesced.delete(entry.subjectId); // re-insert: the newest goes last
      this.coalesced.set(entry.subjectId, data);
      return;
    }
    (this.queue ??= []).push(data);
    if (this.queue.length > this.limits.maxQueued) this.close(CloseCodes.slowConsumer, `slow consumer; resume after ${this.resumeAfter ?? '0-0'}`);
  }

  /** Sends what waited while the socket was congested, as far as its buffer allows. */
  flush(): void {
    if (this.closed) return;
    while (this.socket.bufferedAmount <= this.limits.highWaterBytes && this.congested) {
      const next = this.queue?.shift();
      if (next !== undefined) {
        this.socket.send(next, { binary: false });
        continue;
      }
      const [subject, data] = this.coalesced!.entries().next().value!;
      this.coalesced!.delete(subject);
      this.socket.send(data, { binary: false });
    }
    if (!this.congested) {
      this.resumeAfter = null;
      this.queue = undefined;
      this.coalesced = undefined;
    }
  }

  get congested(): boolean {
    return (this.queue?.length ?? 0) > 0 || (this.coalesced?.size ?? 0) > 0;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = undefined;
    this.coalesced = undefined;
    this.socket.close(code, reason.slice(0, 120));
  }
}

import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { FeedEntry } from '#libs/live';
import { compareFeedIds } from '#libs/live';
import { CloseCodes, type FeedFrame, type ServerFrames, type StreamName, type Viewport } from '#libs/realtime-client';

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

const streamOf: Record<FeedEntry['kind'], StreamName> = {
  location: 'locations',
  job: 'jobs',
  technician: 'technicians',
  presence: 'presence',
  alert: 'alerts',
  chat: 'chat',
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
  /** The last feed id handed to this socket (resume point). */
  cursor: string | null = null;
  lastActivity = Date.now();
  alive = true;
  private catchingUp = false;
  private readonly buffered: FeedEntry[] = [];
  private readonly queue: string[] = [];
  private readonly coalesced = new Map<string, string>();
  /** Resume point for a slow-consumer close: everything up to it reached the socket's buffer. */
  private resumeAfter: string | null = null;
  private closed = false;
  /** Told when the socket turns congested (for logs and metrics). */
  onCongestion?: (bufferedBytes: number) => void;

  constructor(
    readonly socket: WebSocket,
    public caller: Caller,
    private readonly limits: ConnectionLimits,
  ) {}

  /** Starts following after `cursor`; entries offered before `endCatchUp` wait (no gap, no duplicate). */
  beginCatchUp(cursor: string): void {
    this.cursor = cursor;
    this.catchingUp = true;
  }

  endCatchUp(): void {
    this.catchingUp = false;
    for (const entry of this.buffered.splice(0)) this.offer(entry);
  }

  /** A feed entry for this tenant, live or from a catch-up read. */
  offer(entry: FeedEntry, fromCatchUp = false): void {
    if (this.catchingUp && !fromCatchUp) {
      this.buffered.push(entry);
      return;
    }
    if (this.cursor === null || compareFeedIds(entry.id, this.cursor) <= 0) return;
    const previous = this.cursor;
    this.cursor = entry.id;
    if (!this.wants(entry)) return;
    const frame: FeedFrame = { id: entry.id, kind: entry.kind, type: entry.type, subjectId: entry.subjectId, ...(entry.technicianId ? { technicianId: entry.technicianId } : {}), data: entry.data };
    this.write(JSON.stringify({ event: 'feed', data: frame }), frame, previous);
  }

  /** Whether this caller follows and may see the entry. */
  wants(entry: FeedEntry): boolean {
    if (!this.streams.has(streamOf[entry.kind])) return false;
    if (this.caller.role === 'technician') {
      const self = this.caller.technicianId;
      const data = entry.data as { formerTechnicianId?: string } | null;
      if (!self || (entry.technicianId !== self && entry.subjectId !== self && data?.formerTechnicianId !== self)) return false;
    }
    if (entry.kind === 'location' && this.viewport) {
      const { lat, lon } = entry.data as { lat: number; lon: number };
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
  private write(text: string, frame: FeedFrame | null, previous: string | null): void {
    if (this.closed) return;
    const congested = this.socket.bufferedAmount > this.limits.highWaterBytes || this.queue.length > 0 || this.coalesced.size > 0;
    if (!congested) {
      this.socket.send(text);
      return;
    }
    if (this.resumeAfter === null) {
      this.resumeAfter = previous;
      this.onCongestion?.(this.socket.bufferedAmount);
    }
    if (frame?.kind === 'location') {
      this.coalesced.delete(frame.subjectId); // re-insert: the newest goes last
      this.coalesced.set(frame.subjectId, text);
      return;
    }
    this.queue.push(text);
    if (this.queue.length > this.limits.maxQueued) this.close(CloseCodes.slowConsumer, `slow consumer; resume after ${this.resumeAfter ?? '0-0'}`);
  }

  /** Sends what waited while the socket was congested, as far as its buffer allows. */
  flush(): void {
    if (this.closed) return;
    while (this.socket.bufferedAmount <= this.limits.highWaterBytes && (this.queue.length > 0 || this.coalesced.size > 0)) {
      const next = this.queue.shift();
      if (next !== undefined) {
        this.socket.send(next);
        continue;
      }
      const [subject, text] = this.coalesced.entries().next().value!;
      this.coalesced.delete(subject);
      this.socket.send(text);
    }
    if (this.queue.length === 0 && this.coalesced.size === 0) this.resumeAfter = null;
  }

  get congested(): boolean {
    return this.queue.length > 0 || this.coalesced.size > 0;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.coalesced.clear();
    this.socket.close(code, reason.slice(0, 120));
  }
}

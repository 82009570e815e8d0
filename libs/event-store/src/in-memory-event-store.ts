import type { FieldlineEvent } from '#libs/events';
import { StreamConflictError } from './event-store.errors';
import { type AppendRequest, EventStore, envelopesOf, type Session, type Stream } from './event-store';

/**
 * The event store in memory, for unit tests of services and command handling (Emmett's
 * `getInMemoryEventStore()`): the same optimistic appends and conflicts as PostgresEventStore,
 * transactions run one at a time and roll back on a throw, and every committed event is kept in
 * `outbox` in append order, as the relay would publish it. A projection is the in-memory read model's
 * write: a function the store calls after the append, whose result is `projected`.
 */
export class InMemoryEventStore extends EventStore {
  private streams = new Map<string, FieldlineEvent[]>();
  /** Every appended event, in append order (what the outbox relay would publish). */
  outbox: FieldlineEvent[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  async readStream(tenantId: string, streamId: string): Promise<Stream> {
    const events = [...(this.streams.get(key(tenantId, streamId)) ?? [])];
    return { events, version: events.length };
  }

  async version(tenantId: string, streamId: string): Promise<number> {
    return this.streams.get(key(tenantId, streamId))?.length ?? 0;
  }

  async append<Row = unknown>(request: AppendRequest, _session?: Session): Promise<{ events: FieldlineEvent[]; projected?: Row }> {
    const envelopes = envelopesOf(request);
    if (envelopes.length === 0) return { events: [] };
    const id = key(request.tenantId, request.streamId);
    const stream = this.streams.get(id) ?? [];
    if (stream.length !== request.expectedVersion) throw new StreamConflictError(request.streamId, request.expectedVersion);
    if (typeof request.guard === 'function') (request.guard as () => void)(); // throws FactsChangedError, before anything is written
    this.streams.set(id, [...stream, ...envelopes]);
    this.outbox.push(...envelopes);
    const write = request.projection?.(envelopes);
    return { events: envelopes, projected: typeof write === 'function' ? (write as () => Row)() : undefined };
  }

  /** One transaction at a time; a throw restores the streams and outbox as they were before it. */
  transaction<T>(work: (session: Session) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const streams = new Map(this.streams);
      const outbox = [...this.outbox];
      try {
        return await work(this);
      } catch (error) {
        this.streams = streams;
        this.outbox = outbox;
        throw error;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

const key = (tenantId: string, streamId: string) => `${tenantId}\u0000${streamId}`;

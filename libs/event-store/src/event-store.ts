import type { CommandContext, DomainEvent } from '#libs/domain';
import { type FieldlineEvent, newEnvelope } from '#libs/events';
import { traceparentOf } from '#libs/platform';

export interface Stream {
  events: FieldlineEvent[];
  /** Position of the last event; 0 for a stream that does not exist. */
  version: number;
}

/**
 * What reads and writes inside one transaction share (a pg client on the real store). Opaque to
 * callers: they get one from `transaction` and hand it back to the store and to their own repositories.
 */
export type Session = unknown;

export interface AppendRequest {
  tenantId: string;
  streamId: string;
  expectedVersion: number;
  events: readonly DomainEvent[];
  context: CommandContext;
  causationId?: string;
  /**
   * The read model's write for these events, made atomically with the append; its row comes back as
   * `projected`. Its form is the store's own (an INSERT/UPDATE … RETURNING on PostgreSQL), so it is
   * built by a repository of the same store, never by a service.
   */
  projection?: (events: FieldlineEvent[]) => unknown;
  /**
   * A condition on data outside the stream that the decision read (the technician an assignment checked),
   * made by a repository of the same store: on PostgreSQL an UPDATE … RETURNING that must touch exactly
   * one row; in memory a function that throws FactsChangedError. If that data changed since it was read,
   * nothing is appended and the append fails with SQLSTATE 40001 (the command is decided again).
   */
  guard?: unknown;
}

/**
 * The append-only, per-tenant event store (the port). Appends are optimistic: a stream that moved past
 * `expectedVersion` fails with StreamConflictError. Two implementations: PostgresEventStore (TimescaleDB,
 * with the transactional outbox) and InMemoryEventStore (unit tests, no infrastructure).
 */
export abstract class EventStore {
  abstract readStream(tenantId: string, streamId: string, session?: Session): Promise<Stream>;
  /** The stream's current version (0 when it does not exist). */
  abstract version(tenantId: string, streamId: string): Promise<number>;
  abstract append<Row = unknown>(request: AppendRequest, session?: Session): Promise<{ events: FieldlineEvent[]; projected?: Row }>;
  /** Runs `work` in one transaction: all its reads and writes commit together or not at all. */
  abstract transaction<T>(work: (session: Session) => Promise<T>): Promise<T>;
}

/** The stored envelopes of an append: positions after `expectedVersion`, the command's actor, time and trace (the request's span). */
export function envelopesOf(request: AppendRequest): FieldlineEvent[] {
  const { tenantId, streamId, expectedVersion, context } = request;
  const traceparent = traceparentOf();
  return request.events.map((event, i) =>
    newEnvelope({
      ...(event as { type: FieldlineEvent['type']; data: never }),
      tenantId,
      streamId,
      streamPosition: expectedVersion + i + 1,
      actor: { kind: context.actor.kind, id: context.actor.id },
      occurredAt: context.now,
      correlationId: context.correlationId,
      causationId: request.causationId ?? null,
      traceparent,
    }),
  ) as FieldlineEvent[];
}

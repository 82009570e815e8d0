import { Injectable } from '@nestjs/common';
import { type FieldlineEvent, keyFor, parseEvent, topicFor } from '#libs/events';
import { DatabaseService, isUniqueViolation, type Queryable, type Sql, type Statement, statement } from '#libs/timescale';
import { CorruptStreamError, StreamConflictError } from './event-store.errors';
import { type AppendRequest, EventStore, envelopesOf, type Session, type Stream } from './event-store';

interface EventRow {
  event_id: string;
  stream_position: number;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  occurred_at: Date;
  recorded_at: Date;
}

const READ_STREAM = statement(
  `SELECT event_id, stream_position, type, schema_version, data, metadata, occurred_at, recorded_at
     FROM events WHERE tenant_id = $1 AND stream_id = $2 ORDER BY stream_position`,
);
const STREAM_VERSION = statement('SELECT coalesce(max(stream_position), 0)::int AS version FROM events WHERE tenant_id = $1 AND stream_id = $2');

/**
 * The append-only event store on TimescaleDB (table `events`) and its transactional outbox: an append
 * writes the events and one outbox row per event in the caller's transaction, so both commit or
 * neither does. Streams are per tenant: every read and write names the tenant.
 */
@Injectable()
export class PostgresEventStore extends EventStore {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async readStream(tenantId: string, streamId: string, session?: Session): Promise<Stream> {
    const { rows } = await this.on(session).query<EventRow>(READ_STREAM, [tenantId, streamId]);
    const events = rows.map((row) => {
      const parsed = parseEvent({
        id: row.event_id,
        type: row.type,
        schemaVersion: row.schema_version,
        tenantId,
        streamId,
        streamPosition: row.stream_position,
        occurredAt: row.occurred_at.toISOString(),
        recordedAt: row.recorded_at.toISOString(),
        ...row.metadata,
        data: row.data,
      });
      if (!parsed.ok) throw new CorruptStreamError(streamId, row.stream_position, parsed.reason);
      return parsed.event;
    });
    return { events, version: rows.at(-1)?.stream_position ?? 0 };
  }

  /** The stream's current version (0 when it does not exist). */
  async version(tenantId: string, streamId: string): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>(STREAM_VERSION, [tenantId, streamId]);
    return rows[0]?.version ?? 0;
  }

  transaction<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /**
   * Appends after `expectedVersion`, with one outbox row per event and, when given, the projection's
   * statement (an INSERT/UPDATE … RETURNING, its own $1… numbering) — all in ONE statement
   * (data-modifying CTEs), so it is atomic without a transaction of its own and costs one round trip. A
   * concurrent append at the same positions violates the (tenant, stream, position) key:
   * StreamConflictError (inside a caller's transaction, that transaction is dead). Without a session,
   * the append is its own transaction.
   */
  async append<Row = unknown>(request: AppendRequest, session?: Session): Promise<{ events: FieldlineEvent[]; projected?: Row }> {
    const { tenantId, streamId, expectedVersion } = request;
    const envelopes = envelopesOf(request);
    if (envelopes.length === 0) return { events: [] };
    const columns = envelopes.map((e) => [
      e.id,
      tenantId,
      streamId,
      e.streamPosition,
      e.type,
      e.schemaVersion,
      JSON.stringify(e.data),
      JSON.stringify({ correlationId: e.correlationId, causationId: e.causationId, actor: e.actor, ...(e.traceparent ? { traceparent: e.traceparent } : {}) }),
      e.occurredAt,
      e.recordedAt,
    ]);
    const values: unknown[] = [
      ...transpose(columns, 10),
      envelopes.map((e) => topicFor(e)),
      envelopes.map((e) => keyFor(e)),
      envelopes.map((e) => JSON.stringify(e)),
    ];
    const projection = request.projection?.(envelopes) as Sql | undefined;
    const guard = request.guard as Sql | undefined;
    if (projection) values.push(...projection.values);
    if (guard) values.push(...guard.values);
    try {
      const { rows } = await this.on(session).query<Row & Record<string, unknown>>(appendStatement(projection, guard?.text), values);
      return { events: envelopes, projected: projection ? rows[0] : undefined };
    } catch (error) {
      if (isUniqueViolation(error)) throw new StreamConflictError(streamId, expectedVersion);
      throw error; // a failed guard is 40001 (fieldline_guard): retried like any serialization failure
    }
  }

  private on(session: Session | undefined): Queryable {
    return (session as Queryable | undefined) ?? this.db;
  }
}

/** Parameters of the append before a projection's own: 10 event columns, then topic, key, payload. */
const APPEND_PARAMETERS = 13;
const appends = new Map<string, Statement>(); // one per projection and guard text: a handful, all code-generated

/**
 * The append, with the projection's statement (if any) as its last CTE and the guard's (if any) as its
 * first: the events are inserted only if the guard touched exactly one row, else fieldline_guard aborts
 * the whole statement. Parameters: the append's, the projection's, the guard's. Built and named once per texts.
 */
function appendStatement(projection: Sql | undefined, guard: string | undefined): Statement {
  const id = `${projection?.text ?? ''}\u0000${guard ?? ''}`;
  let found = appends.get(id);
  if (!found) {
    const guarded = guard ? `guard AS (${renumber(guard, APPEND_PARAMETERS + (projection?.values.length ?? 0))}), ` : '';
    const held = guard ? ' WHERE fieldline_guard((SELECT count(*) FROM guard))' : '';
    const projected = projection ? `, projected AS (${renumber(projection.text, APPEND_PARAMETERS)}) SELECT * FROM projected` : ' SELECT 1';
    found = statement(`WITH ${guarded}appended AS (
         INSERT INTO events (event_id, tenant_id, stream_id, stream_position, type, schema_version, data, metadata, occurred_at, recorded_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::timestamptz[], $10::timestamptz[])${held}
         RETURNING global_position, event_id
       ), queued AS (
         INSERT INTO outbox (global_position, topic, key, payload)
         SELECT a.global_position, x.topic, x.key, x.payload
           FROM appended a JOIN unnest($1::uuid[], $11::text[], $12::text[], $13::jsonb[]) AS x(event_id, topic, key, payload) USING (event_id)
       )${projected}`);
    appends.set(id, found);
  }
  return found;
}

/** `$n` → `$(n + offset)`: a statement's own parameters placed after the ones before it. */
function renumber(text: string, offset: number): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

function transpose(rows: unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, column) => rows.map((row) => row[column]));
}

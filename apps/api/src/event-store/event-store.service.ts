import { Injectable } from '@nestjs/common';
import type { CommandContext, DomainEvent } from '#libs/domain';
import { type FieldlineEvent, keyFor, newEnvelope, parseEvent, topicFor } from '#libs/events';
import { DatabaseService, isUniqueViolation, type Queryable } from '#libs/timescale';
import { CorruptStreamError, StreamConflictError } from './event-store.errors';

export interface Stream {
  events: FieldlineEvent[];
  /** Position of the last event; 0 for a stream that does not exist. */
  version: number;
}

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


/**
 * The append-only event store on TimescaleDB (table `events`) and its transactional outbox: an append
 * writes the events and one outbox row per event in the caller's transaction, so both commit or
 * neither does. Streams are per tenant: every read and write names the tenant.
 */
@Injectable()
export class EventStore {
  constructor(private readonly db: DatabaseService) {}

  async readStream(tenantId: string, streamId: string, q: Queryable = this.db): Promise<Stream> {
    const { rows } = await q.query<EventRow>(
      `SELECT event_id, stream_position, type, schema_version, data, metadata, occurred_at, recorded_at
         FROM events WHERE tenant_id = $1 AND stream_id = $2 ORDER BY stream_position`,
      [tenantId, streamId],
    );
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
    const { rows } = await this.db.query<{ version: number }>(
      'SELECT coalesce(max(stream_position), 0)::int AS version FROM events WHERE tenant_id = $1 AND stream_id = $2',
      [tenantId, streamId],
    );
    return rows[0]?.version ?? 0;
  }

  /**
   * Appends after `expectedVersion` inside `tx`. A concurrent append at the same positions violates
   * the (tenant, stream, position) key: StreamConflictError, and the caller's transaction is dead.
   */
  async append(
    tx: Queryable,
    input: { tenantId: string; streamId: string; expectedVersion: number; events: readonly DomainEvent[]; context: CommandContext; causationId?: string },
  ): Promise<FieldlineEvent[]> {
    const { tenantId, streamId, expectedVersion, context } = input;
    const envelopes = input.events.map((event, i) =>
      newEnvelope({
        ...(event as { type: FieldlineEvent['type']; data: never }),
        tenantId,
        streamId,
        streamPosition: expectedVersion + i + 1,
        actor: { kind: context.actor.kind, id: context.actor.id },
        occurredAt: context.now,
        correlationId: context.correlationId,
        causationId: input.causationId ?? null,
      }),
    ) as FieldlineEvent[];
    if (envelopes.length === 0) return [];
    const columns = envelopes.map((e) => [
      e.id,
      tenantId,
      streamId,
      e.streamPosition,
      e.type,
      e.schemaVersion,
      JSON.stringify(e.data),
      JSON.stringify({ correlationId: e.correlationId, causationId: e.causationId, actor: e.actor }),
      e.occurredAt,
      e.recordedAt,
    ]);
    try {
      const { rows } = await tx.query<{ global_position: string }>(
        `INSERT INTO events (event_id, tenant_id, stream_id, stream_position, type, schema_version, data, metadata, occurred_at, recorded_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::timestamptz[], $10::timestamptz[])
         RETURNING global_position`,
        transpose(columns, 10),
      );
      await tx.query(
        `INSERT INTO outbox (global_position, topic, key, payload)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[])`,
        [rows.map((r) => r.global_position), envelopes.map((e) => topicFor(e)), envelopes.map((e) => keyFor(e)), envelopes.map((e) => JSON.stringify(e))],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StreamConflictError(streamId, expectedVersion);
      throw error;
    }
    return envelopes;
  }
}

function transpose(rows: unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, column) => rows.map((row) => row[column]));
}

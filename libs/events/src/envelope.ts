import { z } from 'zod';
import { checkEventData, currentSchemaVersion, type EventData, type EventType, id, isoDateTime } from './catalogue';
import { formatIssues } from './issues';
import { newEventId } from './event-id';

/** W3C trace context, version 00. */
export const TRACEPARENT_PATTERN = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export const actorKindSchema = z.enum(['user', 'device', 'system', 'integrator']);
export const actorSchema = z.object({ kind: actorKindSchema, id: id() });
export type Actor = z.output<typeof actorSchema>;

/**
 * The envelope around every event, with `data` not yet checked: the catalogue validates data per type
 * (see codec.ts). Unknown envelope fields are dropped on parse (tolerant reader).
 */
export const envelopeSchema = z.object({
  id: z.uuid({ version: 'v7' }),
  type: z.string().min(1).max(100),
  schemaVersion: z.int().min(1),
  tenantId: id(),
  streamId: id(),
  /** Position in the event-store stream (first event = 1); absent for telemetry and presence. */
  streamPosition: z.int().min(1).optional(),
  /** When it happened on the device or in the business (a GPS fix time, the tap on "arrived"). */
  occurredAt: isoDateTime(),
  /** When Fieldline recorded it. */
  recordedAt: isoDateTime(),
  correlationId: id(),
  /** The event (or command) id that directly caused this one; null at the start of a chain. */
  causationId: id().nullable(),
  actor: actorSchema,
  /** W3C trace context of what produced it (the MQTT publish, the HTTP request): its path across apps is one trace. */
  traceparent: z.string().regex(TRACEPARENT_PATTERN).optional(),
  data: z.record(z.string(), z.unknown()),
});

type EnvelopeFields = Omit<z.output<typeof envelopeSchema>, 'type' | 'data'>;

export type EventEnvelope<TType extends string = string, TData = unknown> = EnvelopeFields & {
  type: TType;
  data: TData;
};

/** The full event of one type; distributes over unions (`EventOf<'job.assigned' | 'job.arrived'>`). */
export type EventOf<T extends EventType> = T extends EventType ? EventEnvelope<T, EventData<T>> : never;

export type FieldlineEvent = EventOf<EventType>;

export interface NewEnvelopeInput<T extends EventType> {
  type: T;
  data: EventData<T>;
  tenantId: string;
  streamId: string;
  streamPosition?: number;
  actor: Actor;
  /** Defaults to the clock (recordedAt). */
  occurredAt?: Date | string;
  /** Defaults to the new event's own id: it starts a chain. */
  correlationId?: string;
  causationId?: string | null;
  traceparent?: string;
}

/** Injected so callers and tests are deterministic; defaults are UUIDv7 and the wall clock. */
export interface EnvelopeDeps {
  newId?: () => string;
  clock?: () => Date;
}

export class InvalidEventError extends Error {
  constructor(
    readonly code: 'invalid_envelope' | 'invalid_data',
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

// What a caller supplies is checked like a consumer would check it; what newEnvelope makes itself (a
// generated id, times from Date objects, the schema version) is valid by construction and is not
// parsed again: on ingest's path that re-check was most of the cost of making an event.
const suppliedSchema = envelopeSchema.pick({ tenantId: true, streamId: true, streamPosition: true, correlationId: true, causationId: true, actor: true, traceparent: true });
const suppliedId = envelopeSchema.shape.id;
const suppliedTime = envelopeSchema.shape.occurredAt;

/**
 * Wraps `{ type, data }` (e.g. a domain event) in an envelope at the type's current schemaVersion.
 * Validates what the caller supplied like a consumer would, so nothing we produce can land in a DLQ
 * later; throws InvalidEventError otherwise. Extra fields (e.g. actor.role) are dropped.
 */
export function newEnvelope<T extends EventType>(input: NewEnvelopeInput<T>, deps: EnvelopeDeps = {}): EventOf<T> {
  const eventId = (deps.newId ?? newEventId)();
  const recordedAt = isoTime(deps.clock ? deps.clock() : new Date(), 'recordedAt');
  const occurredAt = input.occurredAt instanceof Date ? isoTime(input.occurredAt, 'occurredAt') : (input.occurredAt ?? recordedAt);
  const supplied = suppliedSchema.safeParse({
    tenantId: input.tenantId,
    streamId: input.streamId,
    streamPosition: input.streamPosition,
    correlationId: input.correlationId ?? eventId,
    causationId: input.causationId ?? null,
    actor: input.actor,
    traceparent: input.traceparent,
  });
  if (!supplied.success) throw new InvalidEventError('invalid_envelope', formatIssues(supplied.error.issues));
  if (deps.newId) check(suppliedId, eventId, 'id');
  if (typeof input.occurredAt === 'string') check(suppliedTime, occurredAt, 'occurredAt');
  const data = checkEventData(input.type, input.data);
  if (!data.ok) throw new InvalidEventError('invalid_data', data.reason);
  const { streamPosition, ...rest } = supplied.data;
  return {
    id: eventId,
    type: input.type,
    schemaVersion: currentSchemaVersion(input.type),
    tenantId: rest.tenantId,
    streamId: rest.streamId,
    ...(streamPosition === undefined ? {} : { streamPosition }),
    occurredAt,
    recordedAt,
    correlationId: rest.correlationId,
    causationId: rest.causationId,
    actor: rest.actor,
    ...(rest.traceparent ? { traceparent: rest.traceparent } : {}),
    data: data.data,
  } as EventOf<T>;
}

function isoTime(at: Date, field: string): string {
  if (Number.isNaN(at.getTime())) throw new InvalidEventError('invalid_envelope', `${field}: not a valid time`);
  return at.toISOString();
}

function check(schema: z.ZodType, value: unknown, field: string): void {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidEventError('invalid_envelope', formatIssues(result.error.issues, [field]));
}

/** Correlation fields for an event caused by `parent`: same correlation, parent as cause. */
export const causedBy = (parent: Pick<EventEnvelope, 'id' | 'correlationId'>) => ({
  correlationId: parent.correlationId,
  causationId: parent.id,
});

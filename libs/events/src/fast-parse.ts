import type { z } from 'zod';
import { catalogue } from './catalogue';
import { telemetrySourceSchema } from './catalogue/telemetry.events';
import { actorKindSchema, envelopeSchema, type EventOf, TRACEPARENT_PATTERN as TRACEPARENT } from './envelope';

// The hot path of parseEvent: GPS fixes, thousands a second in every consumer group that reads
// telemetry. zod's checks cost ~6 µs a fix; these plain ones, built from the same schemas' patterns
// and bounds, a fraction of that. They only ever accept: whatever they are not sure of (another type,
// a value out of bounds, an odd key) goes to zod, whose answer and error message are the authority.
// fast-parse.unit.spec.ts holds them to zod's answer on valid and broken events alike, and they turn
// themselves off if the schemas gain or lose a field they do not know.

type Location = EventOf<'telemetry.location_reported'>;

const patternOf = (schema: z.ZodType): RegExp => (schema as unknown as { _zod: { def: { pattern: RegExp } } })._zod.def.pattern;
const UUID7 = patternOf(envelopeSchema.shape.id);
const DATETIME = patternOf(envelopeSchema.shape.occurredAt);
const ACTOR_KINDS = new Set<string>(actorKindSchema.options);
const SOURCES = new Set<string>(telemetrySourceSchema.options);

const ENVELOPE_KEYS = ['id', 'type', 'schemaVersion', 'tenantId', 'streamId', 'streamPosition', 'occurredAt', 'recordedAt', 'correlationId', 'causationId', 'actor', 'traceparent', 'data'];
const LOCATION_KEYS = ['deviceId', 'subjectId', 'lat', 'lon', 'accuracyM', 'altitudeM', 'speedMps', 'headingDeg', 'batteryPct', 'source', 'messageId'];
const locationDefinition = catalogue['telemetry.location_reported'];
const shapeKeys = (schema: unknown) => Object.keys((schema as { shape?: object }).shape ?? {});

/** Off when a schema has changed under these checks (a field added or removed): zod alone then. */
export const fastParseEnabled =
  locationDefinition.schemaVersion === 2 &&
  shapeKeys(envelopeSchema).join() === ENVELOPE_KEYS.join() &&
  shapeKeys(locationDefinition.data).join() === LOCATION_KEYS.join();

type Plain = Record<string, unknown>;
/** A plain object (of any realm: jsonb and Redis parse in theirs), with no own `__proto__` key (zod's copy would set the prototype). */
const isPlain = (v: unknown): v is Plain => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.hasOwn(v, '__proto__')) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
};
const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 200 && !v.includes('\u0000');
const isTime = (v: unknown): v is string => typeof v === 'string' && DATETIME.test(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const within = (v: unknown, min: number, max: number) => isNum(v) && v >= min && v <= max;
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const positiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;

/** The location fix in `value`, exactly as zod would return it; undefined when only zod can say. */
export function fastParseLocation(value: unknown): Location | undefined {
  if (!fastParseEnabled || !isPlain(value) || value.type !== 'telemetry.location_reported' || value.schemaVersion !== 2) return undefined;
  const e = value;
  const actor = e.actor;
  const d = e.data;
  if (
    !(typeof e.id === 'string' && UUID7.test(e.id)) ||
    !isId(e.tenantId) ||
    !isId(e.streamId) ||
    !optional(e.streamPosition, positiveInt) ||
    !isTime(e.occurredAt) ||
    !isTime(e.recordedAt) ||
    !isId(e.correlationId) ||
    !(e.causationId === null || isId(e.causationId)) ||
    !isPlain(actor) ||
    !(typeof actor.kind === 'string' && ACTOR_KINDS.has(actor.kind)) ||
    !isId(actor.id) ||
    !optional(e.traceparent, (t) => typeof t === 'string' && TRACEPARENT.test(t)) ||
    !isPlain(d) ||
    !isId(d.deviceId) ||
    !isId(d.subjectId) ||
    !within(d.lat, -90, 90) ||
    !within(d.lon, -180, 180) ||
    !optional(d.accuracyM, (v) => within(v, 0, Infinity)) ||
    !optional(d.altitudeM, isNum) ||
    !optional(d.speedMps, (v) => within(v, 0, Infinity)) ||
    !optional(d.headingDeg, (v) => isNum(v) && v >= 0 && v < 360) ||
    !optional(d.batteryPct, (v) => within(v, 0, 100)) ||
    !(typeof d.source === 'string' && SOURCES.has(d.source)) ||
    !isId(d.messageId)
  ) {
    return undefined;
  }
  // zod's output: the known keys only, in the schema's order, absent optional ones left out
  const data: Plain = { deviceId: d.deviceId, subjectId: d.subjectId, lat: d.lat, lon: d.lon };
  for (const key of ['accuracyM', 'altitudeM', 'speedMps', 'headingDeg', 'batteryPct'] as const) if (d[key] !== undefined) data[key] = d[key];
  data.source = d.source;
  data.messageId = d.messageId;
  return {
    id: e.id,
    type: 'telemetry.location_reported',
    schemaVersion: 2,
    tenantId: e.tenantId,
    streamId: e.streamId,
    ...(e.streamPosition === undefined ? {} : { streamPosition: e.streamPosition as number }),
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    correlationId: e.correlationId,
    causationId: e.causationId as string | null,
    actor: { kind: actor.kind as Location['actor']['kind'], id: actor.id },
    ...(e.traceparent === undefined ? {} : { traceparent: e.traceparent as string }),
    data: data as Location['data'],
  };
}

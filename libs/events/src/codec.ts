import { z } from 'zod';
import { catalogue, id, isEventType, isoDateTime } from './catalogue';
import { type EnvelopeDeps, envelopeSchema, type FieldlineEvent } from './envelope';
import { formatIssues } from './issues';
import { type RawEvent, upcast, type UpcasterChain, upcasters } from './upcasters';
import { newEventId } from './event-id';
import { fastParseLocation } from './fast-parse';

export const parseErrorCodes = [
  'malformed_json',
  'invalid_envelope',
  'unknown_type',
  'invalid_data',
  'unsupported_version',
] as const;
export type ParseErrorCode = (typeof parseErrorCodes)[number];

/** Why a record went to the dead-letter topic: a parse failure, or an input refused at the edge (ingest). */
export const deadLetterCodes = [
  ...parseErrorCodes,
  'payload_too_large',
  'invalid_payload',
  'timestamp_out_of_range',
  'unsupported_message',
] as const;
export type DeadLetterCode = (typeof deadLetterCodes)[number];

export type ParseResult =
  | { ok: true; event: FieldlineEvent }
  | { ok: false; code: ParseErrorCode; reason: string };

/** The record value: JSON text, which Kafka clients encode as UTF-8 (no Buffer copy on the way). */
export function serializeEvent(event: FieldlineEvent): string {
  return JSON.stringify(event);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(input: Uint8Array | string | object): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return { ok: true, value: input };
  try {
    return { ok: true, value: JSON.parse(typeof input === 'string' ? input : utf8.decode(input)) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Reads one event from Kafka bytes, a JSON string or an already parsed object (jsonb, Redis).
 * All or nothing: the envelope, then the type, then the version (upcasting older ones), then the data
 * are checked, and only a fully valid event at the current schemaVersion comes back. Never throws for
 * bad input; a failure carries a code for metrics and a reason naming the failing paths for the DLQ.
 * `options.upcasters` replaces the chain (tests).
 */
export function parseEvent(input: Uint8Array | string | object, options: { upcasters?: UpcasterChain } = {}): ParseResult {
  const decoded = decode(input);
  if (!decoded.ok) return { ok: false, code: 'malformed_json', reason: decoded.reason };
  // GPS fixes, the bulk of every telemetry consumer, are checked by plain code when it is sure (fast-parse.ts)
  const fix = fastParseLocation(decoded.value);
  return fix ? { ok: true, event: fix } : validateEvent(decoded.value, options);
}

/** parseEvent's checks by the catalogue's zod schemas, on a decoded value: the authority the fast path is held to. */
export function validateEvent(value: unknown, options: { upcasters?: UpcasterChain } = {}): ParseResult {
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) return { ok: false, code: 'invalid_envelope', reason: formatIssues(envelope.error.issues) };

  const type = envelope.data.type;
  if (!isEventType(type)) return { ok: false, code: 'unknown_type', reason: `unknown event type '${type}'` };

  const definition = catalogue[type];
  let record: RawEvent = envelope.data;
  if (record.schemaVersion !== definition.schemaVersion) {
    const upcasted = upcast(record, definition.schemaVersion, options.upcasters ?? upcasters);
    if (!upcasted.ok) return upcasted;
    // An upcaster may rewrite envelope fields (occurredAt): check them again.
    const again = envelopeSchema.safeParse(upcasted.record);
    if (!again.success) {
      return { ok: false, code: 'invalid_envelope', reason: `after upcasting: ${formatIssues(again.error.issues)}` };
    }
    record = again.data;
  }

  const data = definition.data.safeParse(record.data);
  if (!data.success) {
    return {
      ok: false,
      code: 'invalid_data',
      reason: `${type} v${definition.schemaVersion}: ${formatIssues(data.error.issues, ['data'])}`,
    };
  }
  return { ok: true, event: { ...record, type, data: data.data } as FieldlineEvent };
}

// ---------------------------------------------------------------------------------------------------
// Dead letters: what could not be read, with why and the exact bytes, for fieldline.dlq.v1.

export const deadLetterSchema = z.object({
  id: z.uuid({ version: 'v7' }),
  /** Who rejected it, e.g. `ingest.mqtt`, `ingest.osmand`, `projector.history`. */
  source: id(),
  /** What it came from there (MQTT client id, Kafka topic/partition/offset …); the Kafka key. */
  sourceId: id(),
  /** Null when the tenant could not be established (that may be the very problem). */
  tenantId: id().nullable(),
  code: z.enum(deadLetterCodes),
  reason: z.string(),
  /** The input exactly as received, base64, so it can be replayed after a fix. */
  rawBase64: z.base64(),
  failedAt: isoDateTime(),
});
export type DeadLetterRecord = z.output<typeof deadLetterSchema>;

export interface DeadLetterInput {
  source: string;
  sourceId: string;
  reason: string;
  code: DeadLetterCode;
  raw: Uint8Array;
  tenantId?: string | null;
}

export function deadLetter(input: DeadLetterInput, deps: EnvelopeDeps = {}): DeadLetterRecord {
  return {
    id: (deps.newId ?? newEventId)(),
    source: input.source,
    sourceId: input.sourceId,
    tenantId: input.tenantId ?? null,
    code: input.code,
    reason: input.reason,
    rawBase64: Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength).toString('base64'),
    failedAt: (deps.clock ?? (() => new Date()))().toISOString(),
  };
}

export function serializeDeadLetter(record: DeadLetterRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

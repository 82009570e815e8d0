import type { EventType } from './catalogue';
import type { EventEnvelope } from './envelope';

/** An envelope as read, before its data is validated against the current schema. */
export type RawEvent = EventEnvelope<string, Record<string, unknown>>;

/**
 * Turns a record of version N into version N+1. Upcasters are mechanical (rename, move, convert units);
 * the current schema validates the result afterwards. Throw UpcastError when the old record cannot be
 * converted at all. Upcasters may touch the envelope too (v1 → v2 of location moves the time into it).
 */
export type Upcaster = (record: RawEvent) => RawEvent;

/** Per event type, keyed by the version each upcaster upgrades *from*: `{ 1: v1→v2, 2: v2→v3 }`. */
export type UpcasterChain = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

export class UpcastError extends Error {
  constructor(readonly path: string, readonly detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'UpcastError';
  }
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * telemetry.location_reported v1 → v2.
 *
 * v1 was close to a copy of the tracker payload: `lng`, `acc` (metres) and the fix time as `ts` in epoch
 * seconds, while the envelope's occurredAt was stamped by ingest on receipt. Trackers buffer fixes
 * while offline and upload them in bursts, so a whole tunnel's worth of fixes shared one occurredAt and
 * every consumer that (rightly) ordered by occurredAt drew the track wrong. v2 puts the fix time where
 * every consumer already looks, the envelope's occurredAt, drops `ts`, and spells out `lon`/`accuracyM`.
 */
export const locationReportedV1toV2: Upcaster = (record) => {
  const { lng, acc, ts, ...rest } = record.data;
  let occurredAt = record.occurredAt;
  if (ts !== undefined) {
    // Epoch seconds between 2000 and 2100; anything else is a unit mix-up (ms) or garbage, not a time.
    if (!isFiniteNumber(ts) || ts < 946_684_800 || ts > 4_102_444_800) {
      throw new UpcastError('data.ts', 'expected epoch seconds');
    }
    occurredAt = new Date(Math.round(ts * 1000)).toISOString();
  }
  const data: Record<string, unknown> = { ...rest, lon: lng };
  if (acc !== undefined) data.accuracyM = acc;
  return { ...record, occurredAt, data };
};

export const upcasters = {
  'telemetry.location_reported': { 1: locationReportedV1toV2 },
} satisfies Partial<Record<EventType, Record<number, Upcaster>>>;

export type UpcastResult = { ok: true; record: RawEvent } | { ok: false; code: 'unsupported_version' | 'invalid_data'; reason: string };

/**
 * Applies the chain from the record's schemaVersion up to `currentVersion`, one step at a time, and stamps
 * each step's version. Newer than current, or a missing step, is 'unsupported_version'.
 */
export function upcast(record: RawEvent, currentVersion: number, chain: UpcasterChain = upcasters): UpcastResult {
  const from = record.schemaVersion;
  if (from > currentVersion) {
    return {
      ok: false,
      code: 'unsupported_version',
      reason: `${record.type} v${from} is newer than the supported v${currentVersion}`,
    };
  }
  let current = record;
  for (let version = from; version < currentVersion; version++) {
    const step = chain[record.type]?.[version];
    if (!step) {
      return { ok: false, code: 'unsupported_version', reason: `${record.type}: no upcaster from v${version} to v${version + 1}` };
    }
    try {
      current = { ...step(current), schemaVersion: version + 1 };
    } catch (error) {
      if (error instanceof UpcastError) {
        return { ok: false, code: 'invalid_data', reason: `${record.type} v${version}: ${error.message}` };
      }
      throw error;
    }
  }
  return { ok: true, record: current };
}

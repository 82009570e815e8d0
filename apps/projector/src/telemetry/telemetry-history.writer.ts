import { haversineM } from '#libs/domain';
import type { EventOf, FieldlineEvent } from '#libs/events';
import type { Queryable } from '#libs/timescale';

type Location = EventOf<'telemetry.location_reported'>;
type Reading = EventOf<'telemetry.reading_reported'>;

interface LastFix {
  at: number;
  lat: number;
  lon: number;
}

/** Subjects remembered between batches; beyond this the oldest are forgotten and re-read from the table. */
const LAST_FIX_CACHE_SIZE = 50_000;

/**
 * Writes telemetry history: one multi-row INSERT per table per batch, duplicates skipped by the
 * device's message id. `segment_m` is the distance from the subject's previous fix in time order,
 * computed from the same last fix whether the batch is new or replayed after a crash. The live
 * projection writes the live tables; a rebuild writes tables with a suffix, then swaps them in.
 */
export class TelemetryHistoryWriter {
  private readonly lastFix = new Map<string, LastFix>();
  private readonly locations: string;
  private readonly readings: string;

  constructor(suffix = '') {
    if (!/^[a-z0-9_]*$/.test(suffix)) throw new Error(`bad table suffix ${suffix}`);
    this.locations = `locations${suffix}`;
    this.readings = `readings${suffix}`;
  }

  /** Partitions moved: what this instance remembered may be stale. */
  forget(): void {
    this.lastFix.clear();
  }

  async write(db: Queryable, events: FieldlineEvent[]): Promise<{ locations: Location[]; readings: number }> {
    const locations = events.filter((e): e is Location => e.type === 'telemetry.location_reported');
    const readings = events.filter((e): e is Reading => e.type === 'telemetry.reading_reported');
    if (locations.length > 0) await this.writeLocations(db, locations);
    if (readings.length > 0) await this.writeReadings(db, readings);
    return { locations, readings: readings.length };
  }

  private async writeLocations(db: Queryable, events: Location[]): Promise<void> {
    await this.loadLastFixes(db, events);
    const columns: unknown[][] = Array.from({ length: 15 }, () => []);
    for (const e of events) {
      const d = e.data;
      const key = `${e.tenantId}|${d.subjectId}`;
      const at = Date.parse(e.occurredAt);
      const previous = this.lastFix.get(key);
      let segment: number | null = null;
      if (!previous || at > previous.at) {
        if (previous) segment = Math.round(haversineM(previous, d) * 10) / 10;
        this.remember(key, { at, lat: d.lat, lon: d.lon });
      }
      const row = [e.occurredAt, e.tenantId, d.subjectId, d.deviceId, d.messageId, d.lat, d.lon, d.speedMps ?? null, d.headingDeg ?? null,
        d.accuracyM ?? null, d.altitudeM ?? null, d.batteryPct ?? null, d.source, segment, e.recordedAt];
      row.forEach((value, i) => columns[i]!.push(value));
    }
    await db.query(
      `INSERT INTO ${this.locations} (time, tenant_id, subject_id, device_id, message_id, lat, lon, speed_mps, heading_deg, accuracy_m,
         altitude_m, battery_pct, source, segment_m, recorded_at)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::real[],
         $9::real[], $10::real[], $11::real[], $12::real[], $13::text[], $14::real[], $15::timestamptz[])
       ON CONFLICT DO NOTHING`,
      columns,
    );
  }

  /** One query for the subjects of this batch that are not cached: their newest stored fix. */
  private async loadLastFixes(db: Queryable, events: Location[]): Promise<void> {
    const missing = new Map<string, { tenantId: string; subjectId: string }>();
    for (const e of events) {
      const key = `${e.tenantId}|${e.data.subjectId}`;
      if (!this.lastFix.has(key)) missing.set(key, { tenantId: e.tenantId, subjectId: e.data.subjectId });
    }
    if (missing.size === 0) return;
    const wanted = [...missing.values()];
    const { rows } = await db.query<{ tenant_id: string; subject_id: string; time: Date; lat: number; lon: number }>(
      `SELECT w.tenant_id, w.subject_id, l.time, l.lat, l.lon
       FROM unnest($1::text[], $2::text[]) AS w(tenant_id, subject_id)
       CROSS JOIN LATERAL (
         SELECT time, lat, lon FROM ${this.locations}
         WHERE tenant_id = w.tenant_id AND subject_id = w.subject_id ORDER BY time DESC LIMIT 1
       ) l`,
      [wanted.map((w) => w.tenantId), wanted.map((w) => w.subjectId)],
    );
    for (const row of rows) this.remember(`${row.tenant_id}|${row.subject_id}`, { at: row.time.getTime(), lat: row.lat, lon: row.lon });
  }

  private remember(key: string, fix: LastFix): void {
    this.lastFix.delete(key); // re-insert: Map order is the LRU order
    this.lastFix.set(key, fix);
    if (this.lastFix.size > LAST_FIX_CACHE_SIZE) this.lastFix.delete(this.lastFix.keys().next().value!);
  }

  private async writeReadings(db: Queryable, events: Reading[]): Promise<void> {
    const rows = events.map((e) => [e.occurredAt, e.tenantId, e.data.deviceId, e.data.subjectId ?? null, e.data.messageId, e.data.sensor, e.data.value, e.data.unit, e.recordedAt]);
    await db.query(
      `INSERT INTO ${this.readings} (time, tenant_id, device_id, subject_id, message_id, sensor, value, unit, recorded_at)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[], $9::timestamptz[])
       ON CONFLICT DO NOTHING`,
      Array.from({ length: 9 }, (_, i) => rows.map((r) => r[i])),
    );
  }
}

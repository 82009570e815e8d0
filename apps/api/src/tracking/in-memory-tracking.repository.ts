import type { HistoryEvent, Period } from './daily-summary';
import { type AvailableTechnician, type JobPlace, type MovementTotals, type TrackPoint, TrackingRepository } from './tracking.repository';

export interface Fix {
  technicianId: string;
  time: Date;
  lat: number;
  lon: number;
  speedMps?: number | null;
  headingDeg?: number | null;
  accuracyM?: number | null;
  /** Metres from the previous fix (the projector's segment_m). */
  segmentM?: number;
}

interface Row<T> {
  tenantId: string;
  value: T;
}

// time_bucket's default origin: Monday 2000-01-03 00:00 UTC.
const BUCKET_ORIGIN_MS = Date.UTC(2000, 0, 3);
const HOUR_MS = 3_600_000;

const inRange = (time: Date, range: Period) => time >= range.from && time < range.to;

/**
 * The tables tracking reads, held in memory with the same filters and order as PostgresTrackingRepository's
 * SQL: for unit tests of TrackingService. Seed it with the `add…` methods.
 */
export class InMemoryTrackingRepository extends TrackingRepository {
  private readonly technicians: Row<AvailableTechnician & { available: boolean }>[] = [];
  private readonly jobs: Row<JobPlace & { jobId: string }>[] = [];
  private readonly locations: Row<Fix>[] = [];
  /** The event log; a stream's position is its events' order here. */
  private readonly events: Row<HistoryEvent>[] = [];

  addTechnician(tenantId: string, technician: { technicianId: string; name?: string; skills?: string[]; available?: boolean }): this {
    this.technicians.push({ tenantId, value: { name: technician.technicianId, skills: [], available: true, ...technician } });
    return this;
  }

  addJob(tenantId: string, job: { jobId: string; lat?: number | null; lon?: number | null; requiredSkills?: string[] }): this {
    this.jobs.push({ tenantId, value: { lat: null, lon: null, requiredSkills: [], ...job } });
    return this;
  }

  addFixes(tenantId: string, ...fixes: Fix[]): this {
    for (const fix of fixes) this.locations.push({ tenantId, value: fix });
    return this;
  }

  addEvents(tenantId: string, ...events: HistoryEvent[]): this {
    for (const event of events) this.events.push({ tenantId, value: event });
    return this;
  }

  async technicianExists(tenantId: string, technicianId: string): Promise<boolean> {
    return this.technicians.some((t) => t.tenantId === tenantId && t.value.technicianId === technicianId);
  }

  async countFixes(tenantId: string, technicianId: string, range: Period): Promise<number> {
    return this.fixesIn(tenantId, technicianId, range).length;
  }

  async fixes(tenantId: string, technicianId: string, range: Period, bucketSeconds: number | null): Promise<TrackPoint[]> {
    const fixes = this.fixesIn(tenantId, technicianId, range);
    if (bucketSeconds === null) return fixes.map(toPoint);
    const buckets = new Map<number, Fix[]>();
    for (const fix of fixes) {
      const bucket = Math.floor((fix.time.getTime() - BUCKET_ORIGIN_MS) / (bucketSeconds * 1000));
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), fix]);
    }
    return [...buckets.values()].map((inBucket) => ({ ...toPoint(inBucket.at(-1)!), speedMps: maxOf(inBucket.map((f) => f.speedMps ?? null)) }));
  }

  async movement(tenantId: string, technicianId: string, period: Period): Promise<MovementTotals> {
    // locations_1h: hourly buckets whose start lies in the period.
    const fixes = this.ofTechnician(tenantId, technicianId).filter((f) => inRange(new Date(Math.floor(f.time.getTime() / HOUR_MS) * HOUR_MS), period));
    return {
      points: fixes.length,
      distanceM: fixes.reduce((sum, f) => sum + (f.segmentM ?? 0), 0),
      maxSpeedMps: maxOf(fixes.map((f) => f.speedMps ?? null)),
    };
  }

  async technicianHistory(tenantId: string, technicianId: string, before: Date): Promise<HistoryEvent[]> {
    return this.eventsOf(tenantId).filter((e) => e.streamId === technicianId && e.type.startsWith('technician.') && e.occurredAt < before);
  }

  async visitedJobsHistory(tenantId: string, technicianId: string, period: Period): Promise<HistoryEvent[]> {
    const since = new Date(period.from.getTime() - 2 * 86_400_000);
    const visited = new Set(
      this.eventsOf(tenantId)
        .filter((e) => e.type === 'job.arrived' && e.data.technicianId === technicianId && e.occurredAt >= since && e.occurredAt < period.to)
        .map((e) => e.streamId),
    );
    const events = this.eventsOf(tenantId).filter((e) => e.type.startsWith('job.') && e.occurredAt < period.to && visited.has(e.streamId));
    // ORDER BY stream_id, stream_position: a stable sort keeps each stream in its order.
    return events.sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  }

  async availableTechnicians(tenantId: string, technicianIds: string[]): Promise<AvailableTechnician[]> {
    return this.technicians
      .filter((t) => t.tenantId === tenantId && t.value.available && technicianIds.includes(t.value.technicianId))
      .map(({ value: { technicianId, name, skills } }) => ({ technicianId, name, skills }));
  }

  async jobPlace(tenantId: string, jobId: string): Promise<JobPlace | undefined> {
    const job = this.jobs.find((j) => j.tenantId === tenantId && j.value.jobId === jobId)?.value;
    return job && { lat: job.lat, lon: job.lon, requiredSkills: job.requiredSkills };
  }

  private ofTechnician(tenantId: string, technicianId: string): Fix[] {
    return this.locations.filter((l) => l.tenantId === tenantId && l.value.technicianId === technicianId).map((l) => l.value);
  }

  private fixesIn(tenantId: string, technicianId: string, range: Period): Fix[] {
    return this.ofTechnician(tenantId, technicianId)
      .filter((f) => inRange(f.time, range))
      .sort((a, b) => a.time.getTime() - b.time.getTime());
  }

  private eventsOf(tenantId: string): HistoryEvent[] {
    return this.events.filter((e) => e.tenantId === tenantId).map((e) => e.value);
  }
}

const toPoint = (f: Fix): TrackPoint => ({
  time: f.time.toISOString(),
  lat: f.lat,
  lon: f.lon,
  speedMps: f.speedMps ?? null,
  headingDeg: f.headingDeg ?? null,
  accuracyM: f.accuracyM ?? null,
});

/** SQL's max: nulls ignored, null when there is nothing else. */
function maxOf(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? Math.max(...present) : null;
}

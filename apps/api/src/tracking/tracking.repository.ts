import type { HistoryEvent, Period } from './daily-summary';

export interface TrackPoint {
  time: string;
  lat: number;
  lon: number;
  speedMps: number | null;
  headingDeg: number | null;
  accuracyM: number | null;
}

/** A technician's movement over a period, from the hourly aggregate. */
export interface MovementTotals {
  points: number;
  distanceM: number;
  maxSpeedMps: number | null;
}

export interface AvailableTechnician {
  technicianId: string;
  name: string;
  skills: string[];
}

export interface JobPlace {
  lat: number | null;
  lon: number | null;
  requiredSkills: string[];
}

/**
 * What tracking reads from the projector's history and read models, every read scoped by tenant.
 * The abstract class is the injection token (PostgreSQL and in-memory implementations).
 */
export abstract class TrackingRepository {
  abstract technicianExists(tenantId: string, technicianId: string): Promise<boolean>;
  /** Fixes in [from, to). */
  abstract countFixes(tenantId: string, technicianId: string, range: Period): Promise<number>;
  /** Fixes in [from, to) in time order; with `bucketSeconds`, one per time_bucket (its last fix, the bucket's top speed). */
  abstract fixes(tenantId: string, technicianId: string, range: Period, bucketSeconds: number | null): Promise<TrackPoint[]>;
  abstract movement(tenantId: string, technicianId: string, period: Period): Promise<MovementTotals>;
  /** The technician's own events before `before`, in stream order. */
  abstract technicianHistory(tenantId: string, technicianId: string, before: Date): Promise<HistoryEvent[]>;
  /**
   * Every event before the period's end of the jobs the technician arrived at in the period or up to two
   * days before it (long visits span midnight): one job stream after another, each in stream order.
   */
  abstract visitedJobsHistory(tenantId: string, technicianId: string, period: Period): Promise<HistoryEvent[]>;
  /** Those of `technicianIds` that are available, in no particular order. */
  abstract availableTechnicians(tenantId: string, technicianIds: string[]): Promise<AvailableTechnician[]>;
  abstract jobPlace(tenantId: string, jobId: string): Promise<JobPlace | undefined>;
}

import type { FenceState } from '#libs/domain';
import type { NewFeedEntry } from '#libs/live';

/** Per subject: the geofence hysteresis, the smoothed speed and the last ETA told per job. */
export interface TrackingDoc {
  /** Device time of the newest fix folded in (epoch ms). */
  version: number;
  fences: Record<string, FenceState>;
  speedMps?: number;
  etas: Record<string, number>;
}

/** Signal alert per subject; versioned by the last fix time it is about. */
export interface SignalDoc {
  version: number;
  lost: boolean;
}

/**
 * Where derived events keep their state per subject (the `tracking` and `alerts` hashes of the live
 * state) and add their alerts to the tenant feed. A save applies only a version above the one held,
 * with its feed entries in the same step, and says whether it did: replays write nothing.
 */
export abstract class TrackingStateStore {
  abstract trackingDocs(tenantId: string, subjectIds: string[]): Promise<Map<string, TrackingDoc>>;
  abstract signalDocs(tenantId: string, subjectIds: string[]): Promise<Map<string, SignalDoc>>;
  abstract saveTracking(tenantId: string, subjectId: string, doc: TrackingDoc, alerts: NewFeedEntry[]): Promise<boolean>;
  abstract saveSignal(tenantId: string, subjectId: string, doc: SignalDoc, alert?: NewFeedEntry): Promise<boolean>;
}

import { haversineM, type LatLon } from './geo';

export interface EtaConfig {
  /** Below this speed (stopped at a light, GPS noise) the ETA assumes this speed instead. */
  minSpeedMps: number;
  /** Road distance over straight-line distance. */
  detourFactor: number;
}

/** Seconds to reach `to` from `from` at the recent speed (never below the floor). */
export function etaSeconds(from: LatLon, to: LatLon, recentSpeedMps: number | undefined, config: EtaConfig): number {
  const distanceM = haversineM(from, to) * config.detourFactor;
  const speed = Math.max(recentSpeedMps ?? 0, config.minSpeedMps);
  return Math.round(distanceM / speed);
}

/** Exponentially weighted recent speed, so one fast or stopped fix does not swing the ETA. */
export function recentSpeed(previous: number | undefined, sample: number | undefined, weight = 0.3): number | undefined {
  if (sample === undefined) return previous;
  return previous === undefined ? sample : previous + weight * (sample - previous);
}

/** An ETA is worth telling screens when it moved by a minute and by a tenth. */
export function etaChanged(previous: number | undefined, next: number): boolean {
  if (previous === undefined) return true;
  const delta = Math.abs(next - previous);
  return delta >= 60 && delta >= previous * 0.1;
}

import type { EtaConfig, HysteresisConfig } from '#libs/domain';

export const DERIVED_OPTIONS = Symbol('DERIVED_OPTIONS');

export interface DerivedOptions {
  fence: HysteresisConfig;
  eta: EtaConfig;
  /** A technician on shift silent this long has lost signal. */
  signalLostAfterMs: number;
  /** Geofences are re-read at least this often (and at once when one changes). */
  fenceCacheMs: number;
}

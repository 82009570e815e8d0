import type { EtaConfig } from '#libs/domain';
import { type Constructor, EnvInt, EnvNumber } from '#libs/platform';

/** How much of each tenant's feed Redis keeps (a client further behind reloads a snapshot), and how ETAs are estimated. */
export function withLiveEnv<Base extends Constructor>(base: Base) {
  class LiveEnv extends base {
    @EnvInt({ min: 100, max: 10_000_000 })
    FEED_MAX_LEN: number = 100_000;

    @EnvInt({ min: 60 })
    FEED_MAX_AGE_S: number = 86_400;

    /** The speed an ETA assumes when the technician is slower (stopped at lights, GPS noise). */
    @EnvNumber({ min: 0.5 })
    ETA_MIN_SPEED_MPS: number = 4;
  }
  return LiveEnv;
}

/** Road distance is taken as 1.3 × the straight line (a common urban detour index). */
export const etaConfig = (env: { ETA_MIN_SPEED_MPS: number }): EtaConfig => ({ minSpeedMps: env.ETA_MIN_SPEED_MPS, detourFactor: 1.3 });

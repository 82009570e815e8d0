import { Type } from 'class-transformer';
import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import type { EtaConfig } from '#libs/domain';
import type { Constructor } from '#libs/platform';

/** How much of each tenant's feed Redis keeps (a client further behind reloads a snapshot), and how ETAs are estimated. */
export function withLiveEnv<Base extends Constructor>(base: Base) {
  class LiveEnv extends base {
    @Type(() => Number)
    @IsOptional()
    @IsInt()
    @Min(100)
    @Max(10_000_000)
    FEED_MAX_LEN: number = 100_000;

    @Type(() => Number)
    @IsOptional()
    @IsInt()
    @Min(60)
    FEED_MAX_AGE_S: number = 86_400;

    /** The speed an ETA assumes when the technician is slower (stopped at lights, GPS noise). */
    @Type(() => Number)
    @IsOptional()
    @IsNumber()
    @Min(0.5)
    ETA_MIN_SPEED_MPS: number = 4;
  }
  return LiveEnv;
}

/** Road distance is taken as 1.3 × the straight line (a common urban detour index). */
export const etaConfig = (env: { ETA_MIN_SPEED_MPS: number }): EtaConfig => ({ minSpeedMps: env.ETA_MIN_SPEED_MPS, detourFactor: 1.3 });

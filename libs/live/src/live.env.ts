import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Constructor } from '#libs/platform';

/** How much of each tenant's feed Redis keeps: a client further behind reloads a snapshot. */
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
  }
  return LiveEnv;
}

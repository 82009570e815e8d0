import { Matches } from 'class-validator';
import type { Constructor } from '#libs/platform';

/** REDIS_URL: redis://[user:password@]host:port[/db] (rediss:// for TLS). */
export function withRedisEnv<Base extends Constructor>(base: Base) {
  class RedisEnv extends base {
    @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
    REDIS_URL!: string;
  }
  return RedisEnv;
}

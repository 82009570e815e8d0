import { ValidateBy } from 'class-validator';
import { type Constructor, EnvConnectionUrl } from '#libs/platform';
import { redisTarget } from './redis-url';

const problemOf = (url: unknown): string | undefined => {
  try {
    redisTarget(String(url));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

/**
 * REDIS_URL: redis://[user:password@]host:port[/db] (rediss:// for TLS), or Sentinels:
 * redis-sentinel://[user:password@]host:port[,host:port…]/<master name>[/db] (redis-url.ts).
 */
export function withRedisEnv<Base extends Constructor>(base: Base) {
  class RedisEnv extends base {
    @EnvConnectionUrl(['redis', 'rediss', 'redis-sentinel'], { required: true })
    @ValidateBy({ name: 'redisTarget', validator: { validate: (url) => !problemOf(url), defaultMessage: (args) => problemOf(args?.value) ?? '' } })
    REDIS_URL!: string;
  }
  return RedisEnv;
}

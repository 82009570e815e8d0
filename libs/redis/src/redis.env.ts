import { type Constructor, EnvConnectionUrl } from '#libs/platform';

/** REDIS_URL: redis://[user:password@]host:port[/db] (rediss:// for TLS). */
export function withRedisEnv<Base extends Constructor>(base: Base) {
  class RedisEnv extends base {
    @EnvConnectionUrl(['redis', 'rediss'], { required: true })
    REDIS_URL!: string;
  }
  return RedisEnv;
}

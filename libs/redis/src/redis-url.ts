import type { RedisOptions } from 'ioredis';

/**
 * REDIS_URL in either form, as ioredis takes it:
 * - `redis://[user:password@]host:port[/db]` (`rediss://` for TLS): one server;
 * - `redis-sentinel://[user:password@]host:port[,host:port…]/<master name>[/db]`: Sentinels, asked for
 *   the current primary of `<master name>` on every (re)connect, so a promotion is followed without a
 *   restart. The credentials are the primary's; Sentinels without a password are assumed (loopback or a
 *   private network), as in the HA shape.
 */
export type RedisTarget = { url: string } | { sentinel: Pick<RedisOptions, 'sentinels' | 'name' | 'username' | 'password' | 'db'> };

const SENTINEL = /^redis-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([^/]+)(?:\/(\d+))?\/?$/;

export function redisTarget(url: string): RedisTarget {
  if (!url.startsWith('redis-sentinel://')) return { url };
  const match = SENTINEL.exec(url);
  if (!match) throw new Error(`REDIS_URL ${url}: a Sentinel URL is redis-sentinel://[user:password@]host:port[,host:port…]/<master name>[/db]`);
  const [, user, password, hosts, name, db] = match;
  const sentinels = hosts.split(',').map((member) => {
    const at = member.lastIndexOf(':');
    const port = Number(member.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`REDIS_URL ${url}: "${member}" is not host:port`);
    return { host: member.slice(0, at).replace(/^\[|\]$/g, ''), port };
  });
  return {
    sentinel: {
      sentinels,
      name: decodeURIComponent(name),
      ...(user ? { username: decodeURIComponent(user) } : {}),
      ...(password ? { password: decodeURIComponent(password) } : {}),
      ...(db ? { db: Number(db) } : {}),
    },
  };
}

/**
 * A connection to REDIS_URL with `options`: `new Redis(url, options)` for one server; for Sentinels, the
 * primary they name, re-asked on every reconnect. A primary demoted under a live connection (it came back
 * after a failover, or Sentinel moved the role) answers writes with READONLY: that reconnects, to the
 * primary Sentinel names now, and the command is sent again there.
 * Not ioredis' `failoverDetector`: a `+switch-master` arriving while the client is already reconnecting
 * aborts the connect, and ioredis then ends the client for good ("Connection is closed.", seen in the
 * HA kill test's projector).
 */
export function redisConnection<T>(Redis: new (...args: never[]) => T, url: string, options: RedisOptions): T {
  const target = redisTarget(url);
  const construct = Redis as unknown as new (...args: unknown[]) => T;
  if ('url' in target) return new construct(target.url, options);
  return new construct({
    ...options,
    ...target.sentinel,
    role: 'master',
    reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
    // Sentinels themselves restart too: keep asking them, at the same pace as the primary.
    sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  });
}

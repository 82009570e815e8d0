import { loadConfig } from '#libs/platform';
import { withRedisEnv } from './redis.env';
import { redisConnection, redisTarget } from './redis-url';

describe('redisTarget', () => {
  it('passes a one-server URL through as it is', () => {
    expect(redisTarget('redis://:pw@10.0.0.5:6380/2')).toEqual({ url: 'redis://:pw@10.0.0.5:6380/2' });
    expect(redisTarget('rediss://cache.internal:6379')).toEqual({ url: 'rediss://cache.internal:6379' });
  });

  it('reads Sentinels, the master name, credentials and a database', () => {
    expect(redisTarget('redis-sentinel://127.0.0.1:26479,127.0.0.1:26480,[::1]:26481/fieldline')).toEqual({
      sentinel: {
        sentinels: [
          { host: '127.0.0.1', port: 26479 },
          { host: '127.0.0.1', port: 26480 },
          { host: '::1', port: 26481 },
        ],
        name: 'fieldline',
      },
    });
    expect(redisTarget('redis-sentinel://app:s%40cret@s1:26379,s2:26379/my%20master/3/')).toEqual({
      sentinel: { sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'my master', username: 'app', password: 's@cret', db: 3 },
    });
  });

  it.each([
    ['no master name', 'redis-sentinel://s1:26379'],
    ['a member without a port', 'redis-sentinel://s1,s2:26379/fieldline'],
    ['a port out of range', 'redis-sentinel://s1:70000/fieldline'],
    ['a database that is not a number', 'redis-sentinel://s1:26379/fieldline/zero'],
  ])('refuses a Sentinel URL with %s, saying what the form is', (_, url) => {
    expect(() => redisTarget(url)).toThrow(/redis-sentinel:\/\/|is not host:port/);
  });
});

describe('redisConnection', () => {
  class Recorded {
    readonly args: unknown[];
    constructor(...args: unknown[]) {
      this.args = args;
    }
  }

  it('gives a one-server URL and the options to the client as they are', () => {
    const client = redisConnection(Recorded, 'redis://127.0.0.1:6379', { connectionName: 'x' });
    expect(client.args).toEqual(['redis://127.0.0.1:6379', { connectionName: 'x' }]);
  });

  it('asks Sentinels for the primary, leaves a demoted one at its first READONLY and keeps retrying them', () => {
    const client = redisConnection(Recorded, 'redis-sentinel://s1:1,s2:2/fieldline', { connectionName: 'x' });
    const [options] = client.args as [Record<string, unknown>];
    expect(options).toMatchObject({ connectionName: 'x', name: 'fieldline', role: 'master', sentinels: [{ host: 's1', port: 1 }, { host: 's2', port: 2 }] });
    const reconnectOnError = options.reconnectOnError as (error: Error) => number | false;
    expect([reconnectOnError(new Error("READONLY You can't write against a read only replica.")), reconnectOnError(new Error('ERR unknown command'))]).toEqual([2, false]);
    const retry = options.sentinelRetryStrategy as (attempt: number) => number;
    expect([retry(1), retry(100)]).toEqual([100, 2000]);
  });
});

describe('REDIS_URL in the config', () => {
  class Env extends withRedisEnv(class {}) {}

  it('takes one server or Sentinels', () => {
    for (const url of ['redis://127.0.0.1:6379', 'redis-sentinel://s1:26379,s2:26379/fieldline']) expect(loadConfig(Env, { REDIS_URL: url }, 'test').REDIS_URL).toBe(url);
  });

  it('refuses a broken Sentinel URL at start, saying what the form is', () => {
    expect(() => loadConfig(Env, { REDIS_URL: 'redis-sentinel://s1,s2:26379/fieldline' }, 'test')).toThrow(/REDIS_URL.*"s1" is not host:port/s);
    expect(() => loadConfig(Env, { REDIS_URL: 'redis-sentinel://s1:26379' }, 'test')).toThrow(/redis-sentinel:\/\/\[user:password@\]host:port/);
  });
});

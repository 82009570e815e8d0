import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { RedisService } from './redis.service';

// Against the real redis-server from the stack. Each run uses its own key prefix.

const prefix = `it:${randomUUID()}:`;
let redis: RedisService;

beforeAll(() => {
  redis = new RedisService({ url: process.env.REDIS_URL!, logger: pino({ level: 'silent' }), keyPrefix: prefix });
});
afterAll(async () => {
  // KEYS answers full names; DEL adds the prefix again, so strip it.
  const keys = await redis.client.keys(`${prefix}*`);
  if (keys.length > 0) await redis.client.del(...keys.map((k) => k.slice(prefix.length)));
  expect(await redis.client.keys(`${prefix}*`)).toEqual([]);
  await redis.onApplicationShutdown();
});

it('round-trips a hash with a TTL', async () => {
  await redis.client.hset('tenant-1:tech:t1', { lat: '52.52', lon: '13.40' });
  await redis.client.expire('tenant-1:tech:t1', 60);
  expect(await redis.client.hgetall('tenant-1:tech:t1')).toEqual({ lat: '52.52', lon: '13.40' });
  expect(await redis.client.ttl('tenant-1:tech:t1')).toBeGreaterThan(50);
});

it('reads a stream from an entry id on, the way feeds resume', async () => {
  const first = await redis.client.xadd('tenant-1:feed', '*', 'n', '1');
  await redis.client.xadd('tenant-1:feed', '*', 'n', '2');
  await redis.client.xadd('tenant-1:feed', '*', 'n', '3');
  const after = await redis.client.xrange('tenant-1:feed', `(${first}`, '+');
  expect(after.map(([, fields]) => fields)).toEqual([
    ['n', '2'],
    ['n', '3'],
  ]);
});

it('publishes to a subscriber on its own connection', async () => {
  const subscriber = redis.subscriber('it');
  const channel = `${prefix}tenant-1:jobs`; // pub/sub channels are not key-prefixed by ioredis
  await subscriber.subscribe(channel);
  const received = new Promise<string>((resolve) => subscriber.on('message', (_c, message) => resolve(message)));
  await redis.client.publish(channel, 'job-42 assigned');
  await expect(received).resolves.toBe('job-42 assigned');
});

it('answers a readiness ping', async () => {
  await expect(redis.ping()).resolves.toEqual({ latencyMs: expect.any(Number) });
});

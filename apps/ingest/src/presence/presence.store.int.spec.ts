import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { RedisService } from '#libs/redis';
import { PresenceStore } from './presence.store';

// Against the stack's Redis, in a key space of its own.

let redis: RedisService;
let store: PresenceStore;
const device = { tenantId: 'tnt_presence', deviceId: 'dev-1' };

beforeEach(() => {
  redis = new RedisService({ url: process.env.REDIS_URL!, logger: pino({ level: 'silent' }), keyPrefix: `test:${randomUUID()}:` });
  store = new PresenceStore(redis);
});
afterEach(() => redis.onApplicationShutdown());

it('counts a device online from its first session on any process to the end of its last', async () => {
  expect(await store.open('broker-a', device, 'dev-1')).toBe(true);
  expect(await store.open('broker-b', device, 'dev-1:web')).toBe(false);
  expect(await store.close('broker-a', 'dev-1', 'dev-1')).toBe(false);
  expect(await store.close('broker-b', 'dev-1', 'dev-1:web')).toBe(true);
  expect(await store.close('broker-b', 'dev-1', 'dev-1:web')).toBe(false); // once
});

it('keeps a device online while its session moves to another process (the new one opens before the old one closes)', async () => {
  await store.open('broker-a', device, 'dev-1');
  expect(await store.open('broker-b', device, 'dev-1')).toBe(false);
  expect(await store.close('broker-a', 'dev-1', 'dev-1')).toBe(false);
  expect(await store.close('broker-b', 'dev-1', 'dev-1')).toBe(true);
});

it('ends the sessions of a process that stopped beating, once, and leaves those of live ones', async () => {
  const other = { tenantId: 'tnt_presence', deviceId: 'dev-2' };
  await store.heartbeat('broker-live', 60_000);
  await store.heartbeat('broker-dead', 1);
  await store.open('broker-dead', device, 'dev-1');
  await store.open('broker-dead', other, 'dev-2');
  await store.open('broker-live', other, 'dev-2:web');
  await new Promise((r) => setTimeout(r, 20));
  expect(await store.sweep()).toEqual([device]); // dev-2 still has its session on the live process
  expect(await store.sweep()).toEqual([]);
  expect(await store.close('broker-live', 'dev-2', 'dev-2:web')).toBe(true);
  expect(await store.open('broker-live', device, 'dev-1')).toBe(true); // back online
});

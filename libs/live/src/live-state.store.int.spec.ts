import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { RedisService } from '#libs/redis';
import { liveKeys } from './live-keys';
import type { NewFeedEntry } from './feed-entry';
import { LiveStateStore, type LivePosition } from './live-state.store';

// The store's scripts against the real redis-server from the stack; every tenant here is new.

let redis: RedisService;
const store = (feedMaxLen: number) => new LiveStateStore(redis, { feedMaxLen, feedMaxAgeMs: 86_400_000 });

beforeAll(() => {
  redis = new RedisService({ url: process.env.REDIS_URL!, logger: pino({ level: 'silent' }) });
});
const tenants: string[] = [];
const newTenant = () => {
  tenants.push(`t-${randomUUID()}`);
  return tenants.at(-1)!;
};
afterAll(async () => {
  const keys = tenants.flatMap((t) => [liveKeys(t).feed, liveKeys(t).positions, liveKeys(t).geo]);
  await redis.client.del(...keys);
  await redis.onApplicationShutdown();
});

const fix = (subjectId: string, at: number, lat = 52.5): LivePosition => ({ subjectId, deviceId: `dev-${subjectId}`, lat, lon: 13.4, at, source: 'test' });
// The store never reads an entry's payload: an empty one will do.
const entry = (subjectId: string) => ({ kind: 'location', type: 'telemetry.location_reported', subjectId, data: {} }) as NewFeedEntry;

it('keeps the newest fix: a late or repeated one writes neither state nor feed', async () => {
  const tenant = newTenant();
  const live = store(1_000);
  expect(await live.applyFix(tenant, fix('s1', 2_000, 52.6), entry('s1'))).toMatch(/^\d+-\d+$/);
  expect(await live.applyFix(tenant, fix('s1', 1_000, 52.1), entry('s1'))).toBeNull();
  expect(await live.applyFix(tenant, fix('s1', 2_000, 52.1), entry('s1'))).toBeNull();
  expect((await live.positions(tenant)).map((p) => p.lat)).toEqual([52.6]);
  expect(await redis.client.xlen(liveKeys(tenant).feed)).toBe(1);
});

it('trims the feed to about its length; resuming from before the oldest kept entry is a gap, from a kept one is not', async () => {
  const tenant = newTenant();
  const live = store(100);
  const ids: string[] = [];
  for (let i = 0; i < 400; i++) ids.push((await live.applyFix(tenant, fix(`s${i}`, 1), entry(`s${i}`)))!);

  const length = await redis.client.xlen(liveKeys(tenant).feed);
  expect(length).toBeGreaterThanOrEqual(100); // approximate: whole macro nodes go
  expect(length).toBeLessThan(400);
  expect(await live.readFeed(tenant, '0-0', 10)).toEqual({ gap: true });
  expect(await live.readFeed(tenant, ids[0]!, 10)).toEqual({ gap: true });

  const kept = ids[400 - length]!; // the oldest entry kept: resuming after it misses nothing
  const reply = await live.readFeed(tenant, kept, 1_000);
  expect(reply.gap).toBe(false);
  expect(reply.gap === false && reply.entries.map((e) => e.id)).toEqual(ids.slice(400 - length + 1));
});

it('an untrimmed feed resumes from anywhere, an empty one answers nothing', async () => {
  const tenant = newTenant();
  const live = store(1_000);
  expect(await live.readFeed(tenant, '0-0', 10)).toEqual({ gap: false, entries: [] });
  const first = await live.applyFix(tenant, fix('s1', 1), entry('s1'));
  await live.applyFix(tenant, fix('s2', 1), entry('s2'));
  const all = await live.readFeed(tenant, '0-0', 10);
  expect(all.gap === false && all.entries.map((e) => e.subjectId)).toEqual(['s1', 's2']);
  const rest = await live.readFeed(tenant, first!, 10);
  expect(rest.gap === false && rest.entries.map((e) => e.subjectId)).toEqual(['s2']);
});

it('takes a fix near a pole (beyond the GEO index’s ±85.05°): the position keeps its latitude, nearness search still answers', async () => {
  const tenant = newTenant();
  const live = store(1_000);
  expect(await live.applyFix(tenant, fix('polar', 1_000, 89.9), entry('polar'))).toMatch(/^\d+-\d+$/);
  expect((await live.positions(tenant)).map((p) => p.lat)).toEqual([89.9]);
  const near = await live.near(tenant, { lat: 89.95, lon: 13.4 }, 50_000, 10);
  expect(near.map((n) => n.subjectId)).toEqual(['polar']);
});

it('waits for replicas only when asked; one missing is reported once, then waited for only briefly', async () => {
  // the stack's Redis has no replica: WAIT 1 answers 0 once its timeout is over
  expect(await store(1_000).replicated()).toEqual({ wanted: 0, acked: 0, away: false, changed: false });
  const live = new LiveStateStore(redis, { feedMaxLen: 1_000, feedMaxAgeMs: 86_400_000, waitReplicas: 1, waitTimeoutMs: 1_500 });
  await live.applyFix(newTenant(), fix('s1', 1_000), entry('s1'));
  let started = performance.now();
  expect(await live.replicated()).toEqual({ wanted: 1, acked: 0, away: true, changed: true });
  expect(performance.now() - started).toBeGreaterThanOrEqual(1_400); // the whole timeout, the first time
  started = performance.now();
  expect(await live.replicated()).toEqual({ wanted: 1, acked: 0, away: true, changed: false });
  expect(performance.now() - started).toBeLessThan(750); // then 10 ms: batches do not pay the timeout each
});

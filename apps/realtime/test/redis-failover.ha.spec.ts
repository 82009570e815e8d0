import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { compareFeedIds, liveKeys } from '#libs/live';
import { hashSecret } from '#libs/platform';
import { redisConnection } from '#libs/redis';
import { DatabaseService, migrate } from '#libs/timescale';
import { type AppProcess, stackEnv, startAppProcess, warningsOf } from '../../../test/support/app-process';
import { mqttPortOf } from '../../../test/support/devices';
import { type PhaseFigures, PublishLoad } from '../../../test/support/publish-load';
import { Recorder, startGateway, token, wsUrl } from '../../../test/support/realtime';
import { forgetProcess, isAlive, readPid } from '../../../tools/stack/managed-process';
import { answers, redisHaComponents, SENTINEL_MASTER } from '../../../tools/stack/redis.component';
import { raiseOne } from '../../../tools/stack/stack-component';
import { haPorts } from '../../../tools/stack/stack.config';

// Issue 25: the Redis primary of the HA shape (primary + replica + three Sentinels) killed with -9 while
// devices publish and dashboards watch the map. Sentinel promotes the replica; the projector and realtime
// follow it through REDIS_URL's Sentinels by themselves; dashboards (the client kit, which resumes from
// its last feed id) must read the feed on: no gap, no duplicate, each device's last fix shown. The projector waits for
// the replica before a batch counts as consumed (REDIS_WAIT_REPLICAS=1), so the promotion loses no
// live state the Kafka offsets already passed. Every process is real: ingest, projector, realtime.

const RATE = 200;
const DEVICES = 20;
const run = randomUUID().slice(0, 6);
const tenantId = `tnt_ha_redis_${run}`;
const logger = pino({ level: 'silent' });
const devices = Array.from({ length: DEVICES }, (_, i) => ({ id: `dev_rha_${run}_${i}`, secret: `ha-secret-${run}-0123456789` }));
// Message n carries its number in its latitude and a device time n ms after t0: each fix is told apart on
// the dashboard, and a device's fixes are strictly newer one after the other (the live guard drops ties).
const t0 = Date.now() - 30_000;
const latOf = (n: number) => 10 + n / 100_000;
const numberOf = (lat: number) => Math.round((lat - 10) * 100_000);
const load = new PublishLoad(RATE, (id) => `fieldline/v1/${id}/location`, (messageId, n) =>
  JSON.stringify({ lat: latOf(n), lon: 20, ts: new Date(t0 + n).toISOString(), id: messageId }),
);
const apps: AppProcess[] = [];
const dashboards: Recorder[] = [];
let sentinel: Redis;

const seconds = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) => {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
};

/** The member Sentinel names primary now (its port), asked of the first Sentinel. */
const primaryPort = async () => Number(((await sentinel.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER)) as string[])[1]);
const memberAt = (port: number) => redisHaComponents[haPorts.redisMembers.indexOf(port)]!;
const roleOf = (port: number) => answers(port, async (c) => /role:(\w+)/.exec(await c.info('replication'))?.[1]).catch(() => 'down');

/** The longest time between two frames (fixes are due every 5 ms while the load runs). */
const longestSilence = (times: number[]) => times.reduce((longest, t, i) => (i === 0 ? 0 : Math.max(longest, t - times[i - 1]!)), 0);

beforeAll(async () => {
  sentinel = new Redis({ host: '127.0.0.1', port: haPorts.redisSentinels[0], maxRetriesPerRequest: 3 });
  const db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 2, logger });
  await migrate(db, logger);
  const secretHash = await hashSecret(devices[0]!.secret);
  for (const d of devices) {
    await db.query(`INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash) VALUES ($1, $2, 'tracker', 'ha', $3)`, [d.id, tenantId, secretHash]);
  }
  await db.onApplicationShutdown();
  const env = { ...stackEnv(), KAFKA_REPLICATION_FACTOR: process.env.KAFKA_REPLICATION_FACTOR!, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  const [ingest, projector, realtime] = await Promise.all([
    startAppProcess('ingest', { ...env, MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1' }),
    // the live map's group alone; a new group starts at the topic's beginning and passes over what
    // earlier HA tests published (other tenants) first
    startAppProcess('projector', { ...env, PROJECTOR_PROJECTIONS: 'positions', PROJECTOR_GROUP_PREFIX: `ha-redis-${run}`, REDIS_WAIT_REPLICAS: '1' }),
    startGateway({ ...env, REALTIME_NODE_ID: `ha-redis-${run}` }),
  ]);
  apps.push(ingest!, projector!, realtime!);
  for (let i = 0; i < 3; i++) {
    dashboards.push(new Recorder(wsUrl(realtime!), token({ tenantId, userId: `u-rha-${i}`, role: 'dispatcher' }), ['locations']).start());
  }
  await until('dashboards subscribed', () => dashboards.every((d) => d.of('subscribed').length > 0));
  await load.connect(`mqtt://127.0.0.1:${mqttPortOf(ingest!)}`, devices);
}, 120_000);

afterAll(async () => {
  // whatever happened above, the HA shape is left whole for the tests after this one
  for (const member of redisHaComponents) await raiseOne(member).catch(() => undefined);
  dashboards.forEach((d) => d.close());
  await load.close();
  await Promise.all(apps.map((a) => a.stop()));
  sentinel?.disconnect();
});

it('kill -9 of the Redis primary under load: Sentinel promotes the replica, projector and realtime follow, dashboards read the feed on without a gap or a duplicate', async () => {
  const frameTimes = dashboards.map(() => [] as number[]);
  dashboards.forEach((d, i) => d.client.on('feed', () => frameTimes[i]!.push(Date.now())));

  load.begin(`${run}-before`);
  await until('fixes on every dashboard', () => dashboards.every((d) => d.feed('location').length > 20));

  const oldPrimary = await primaryPort();
  const member = memberAt(oldPrimary);
  const pid = readPid(member.name);
  expect(pid !== undefined && isAlive(pid)).toBe(true);
  load.begin(`${run}-primary-down`);
  const killedAt = Date.now();
  process.kill(pid!, 'SIGKILL');
  forgetProcess(member.name); // started again below, not reported as died
  await until('Sentinel to promote the replica', async () => (await primaryPort().catch(() => oldPrimary)) !== oldPrimary, 30_000);
  const promotedAfterMs = Date.now() - killedAt;
  await seconds(6);

  // the old primary comes back and Sentinel makes it the new primary's replica
  load.begin(`${run}-old-primary-back`);
  await raiseOne(member);
  await until('the old primary to rejoin as a replica', async () => (await roleOf(oldPrimary)) === 'slave', 30_000);
  await seconds(2);
  const phases: PhaseFigures[] = await load.stop();

  const acked = new Set(phases.flatMap((p) => load.ackedIds.get(p.label) ?? []).map((id) => Number(id.slice(id.lastIndexOf('-') + 1))));
  const lastAcked = new Map<string, number>();
  for (const n of acked) {
    const device = devices[n % DEVICES]!.id;
    lastAcked.set(device, Math.max(lastAcked.get(device) ?? -1, n));
  }
  // The feed as the promoted primary holds it. The projector coalesces a batch to each subject's newest
  // fix (a catch-up must not flood screens with history), so the feed, not every fix, is what a
  // dashboard owes: each entry once, in order, from its first one on, and each device's last fix last.
  const redis = redisConnection(Redis, process.env.REDIS_URL!, { maxRetriesPerRequest: 3 });
  const feedNow = async () => ((await redis.xrange(liveKeys(tenantId).feed, '-', '+')) as [string, string[]][]).map(([id]) => id);
  const lastSeen = (d: Recorder) => {
    const last = new Map<string, number>();
    for (const f of d.feed('location')) last.set(f.subjectId, numberOf((f.data as { lat: number }).lat));
    return last;
  };
  const behind = (d: Recorder) => [...lastAcked].filter(([device, n]) => lastSeen(d).get(device) !== n).length;
  await until('each device\'s last acknowledged fix on every dashboard', () => dashboards.every((d) => behind(d) === 0), 30_000).catch(() => undefined);
  const feed = await feedNow();
  const ids = dashboards.map((d) => d.feed('location').map((f) => f.id));
  const gaps = ids.map((seen) => {
    const held = new Set(seen);
    return feed.filter((id) => compareFeedIds(id, seen[0]!) >= 0 && !held.has(id)).length;
  });
  const duplicates = ids.map((seen) => seen.length - new Set(seen).size);
  const outOfOrder = ids.map((seen) => seen.filter((id, i) => i > 0 && compareFeedIds(id, seen[i - 1]!) <= 0).length);
  // entries a dashboard got that the promoted primary does not hold: written to the old one, never replicated
  const unreplicated = ids.map((seen) => seen.filter((id) => !feed.includes(id)).length);
  // the live state holds each device's last acknowledged fix (nothing the offsets passed was lost)
  const positions = Object.values(await redis.hgetall(liveKeys(tenantId).positions)).map((p) => JSON.parse(p) as { deviceId: string; lat: number });
  redis.disconnect();
  const stale = [...lastAcked].filter(([device, n]) => numberOf(positions.find((p) => p.deviceId === device)?.lat ?? 0) !== n).length;
  const silences = frameTimes.map(longestSilence);

  console.log(
    `Redis primary (port ${oldPrimary}) killed with -9 under ${RATE} fixes/s from ${DEVICES} devices, ${dashboards.length} dashboards\n` +
      phases.map((p) => `  ${p.label.slice(run.length + 1).padEnd(20)} published ${String(p.published).padStart(5)}  acked ${String(p.acked).padStart(5)}  longest PUBACK gap ${String(p.longestGapMs).padStart(5)} ms  disconnects ${p.disconnects}`).join('\n') +
      `\n  replica promoted ${promotedAfterMs} ms after the kill (Sentinel: down after 1 s, quorum 2 of 3)` +
      `\n  dashboards (each): ${ids.map((seen) => seen.length).join('/')} entries of the feed's ${feed.length}; missed ${gaps.join('/')}, duplicated ${duplicates.join('/')}, ` +
      `out of order ${outOfOrder.join('/')}, not on the new primary ${unreplicated.join('/')}, devices not at their last fix ${dashboards.map(behind).join('/')}, ` +
      `reconnects ${dashboards.map((d) => d.closes.length).join('/')}, longest silence ${silences.join('/')} ms` +
      `\n  live positions not at the last acknowledged fix: ${stale} of ${lastAcked.size}` +
      `\n  processes alive: ${apps.map((a) => a.child.exitCode === null).join('/')}` +
      ['ingest', 'projector', 'realtime'].flatMap((name, i) => warningsOf(apps[i]!.lines).map((line) => `\n  ${name} ${line}`)).join(''),
  );

  expect(apps.map((a) => a.child.exitCode)).toEqual([null, null, null]);
  expect(acked.size).toBeGreaterThan(RATE * 5);
  const none = dashboards.map(() => 0);
  expect({ gaps, duplicates, outOfOrder, unreplicated, behind: dashboards.map(behind), stale }).toEqual({ gaps: none, duplicates: none, outOfOrder: none, unreplicated: none, behind: none, stale: 0 });
  // ready again by themselves: each app's readiness is back to 200
  for (const app of apps) await until(`${app.url} ready`, async () => (await fetch(`${app.url}/health/ready`).catch(() => undefined))?.status === 200);
}, 180_000);

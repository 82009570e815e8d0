import pino from 'pino';
import { DatabaseService, parseDatabaseUrl } from '#libs/timescale';
import { type AppProcess, stackEnv, startAppProcess, tryParse, warningsOf } from '../../../test/support/app-process';
import { newTenant, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';
import { startProjector } from '../../../test/support/projector';
import { processState } from '../../../tools/stack/managed-process';
import { haPostgresPrimary, killPrimary, promoteStandby, switchBack } from '../../../tools/stack/postgres-standby.component';
import { haPorts } from '../../../tools/stack/stack.config';

// Issue 25: the API rides through the death of its PostgreSQL primary in the HA shape (primary +
// synchronous streaming standby; DATABASE_URL names both, target_session_attrs=read-write). The API,
// projector and ingest run as their own processes; 8 dispatchers post jobs without pause while the
// primary's postmaster is killed with -9 and the standby promoted a second later, as a failover
// manager would. Every job answered 201 must be in the promoted database (synchronous commit: nothing
// acknowledged is only on the dead primary); meanwhile the API answers 503 + Retry-After and no other
// error; no process dies; /health/ready comes back by itself, and writes with it.

const CLIENTS = 8;
const DETECTION_MS = 1_000; // how long the primary is gone before the promotion (what a failover manager takes, at best)
const logger = pino({ level: 'silent' });
let api: AppProcess;
let projector: AppProcess;
let ingest: AppProcess;
let acme: Tenant;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readyAgain(app: AppProcess, since: number, timeoutMs = 60_000): Promise<number> {
  for (;;) {
    const status = await fetch(`${app.url}/health/ready`).then((r) => r.status, () => 0);
    if (status === 200) return Date.now() - since;
    if (Date.now() - since > timeoutMs) throw new Error(`${app.url} not ready within ${timeoutMs} ms of the kill`);
    await sleep(200);
  }
}

beforeAll(async () => {
  expect(parseDatabaseUrl(process.env.DATABASE_URL!).hosts.map((h) => h.port)).toEqual([haPorts.timescale, haPorts.timescaleStandby]);
  const started = await startApi({ DATABASE_POOL_MAX: '8', RATE_LIMIT_PER_MINUTE: '1000000' });
  api = started.app;
  acme = await newTenant(started.http).catch((error: Error) => {
    throw new Error(`${error.message}\nthe API said:\n${api.lines.filter((l) => Number(tryParse(l)?.level) >= 50).join('\n')}`);
  });
  projector = await startProjector(`ha-pg-${Date.now()}`);
  ingest = await startAppProcess('ingest', { ...stackEnv(), KAFKA_REPLICATION_FACTOR: process.env.KAFKA_REPLICATION_FACTOR!, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  await Promise.all([api?.stop(), projector?.stop(), ingest?.stop()]);
  // the shape as the other HA tests expect it: primary on its port, a synchronous standby beside it
  if (processState(haPostgresPrimary.name).state !== 'running') {
    await promoteStandby().catch(() => undefined); // promoted already, unless the test stopped between kill and promotion
    await switchBack();
  }
}, 120_000);

it(`kill -9 of the primary under ${CLIENTS} posting dispatchers, standby promoted: nothing acknowledged lost, only 503s meanwhile, ready again by itself`, async () => {
  const acknowledged: { id: string; sent: number; at: number }[] = [];
  const statuses = new Map<number, number>();
  const unexpected: string[] = [];
  let posting = true;
  let n = 0;
  const poster = async () => {
    while (posting) {
      const sent = Date.now();
      const reply = await acme.dispatcher.post('/jobs', { title: `failover ${++n}`, window: windowAroundNow() });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status === 201) acknowledged.push({ id: reply.body.id, sent, at: Date.now() });
      else {
        if (reply.status !== 503 || reply.headers.get('retry-after') === null || reply.body.code !== 'DATABASE_UNAVAILABLE') unexpected.push(`${reply.status} ${JSON.stringify(reply.body)}`);
        await sleep(100);
      }
    }
  };
  const posters = Array.from({ length: CLIENTS }, poster);
  await sleep(5_000);
  const before = acknowledged.length;

  const killedAt = Date.now();
  killPrimary();
  await sleep(DETECTION_MS);
  const promoteFrom = Date.now();
  await promoteStandby();
  const promotedAt = Date.now();
  const [apiReady, projectorReady, ingestReady] = await Promise.all([readyAgain(api, killedAt), readyAgain(projector, killedAt), readyAgain(ingest, killedAt)]);
  for (let i = 0; i < 100 && !acknowledged.some((a) => a.at > promotedAt); i++) await sleep(100);
  await sleep(5_000); // writing on the promoted primary for a while
  posting = false;
  await Promise.all(posters);

  // writes succeed again: the first 201 to a request sent after the kill (earlier ones had committed before it)
  const firstAfter = acknowledged.filter((a) => a.sent > killedAt).sort((a, b) => a.at - b.at)[0];
  const times = [killedAt - 1, ...acknowledged.filter((a) => a.at >= killedAt - 5_000).map((a) => a.at)].sort((a, b) => a - b);
  const longestGap = Math.max(...times.slice(1).map((t, i) => t - times[i]!));
  const promoted = new DatabaseService({ url: `postgres://postgres:postgres@127.0.0.1:${haPorts.timescaleStandby}/postgres`, poolMax: 1, logger });
  const ids = acknowledged.map((a) => a.id);
  const stored = new Set((await promoted.query<{ stream_id: string }>('SELECT DISTINCT stream_id FROM events WHERE tenant_id = $1 AND stream_id = ANY($2)', [acme.tenantId, ids])).rows.map((r) => r.stream_id));
  await promoted.onApplicationShutdown();
  const lost = ids.filter((id) => !stored.has(id));
  console.log(
    `kill -9 of the PostgreSQL primary, standby promoted ${DETECTION_MS} ms later (pg_promote took ${promotedAt - promoteFrom} ms), ${CLIENTS} dispatchers posting jobs:\n` +
      `  acknowledged (201) ${acknowledged.length} (${before} before the kill), lost ${lost.length}, failed retryably (503) ${statuses.get(503) ?? 0}, other answers ${unexpected.length}\n` +
      `  longest gap between acknowledgements ${longestGap} ms; writes succeed again ${firstAfter ? firstAfter.at - killedAt : '—'} ms after the kill (${firstAfter ? firstAfter.at - promotedAt : '—'} ms after the promotion)\n` +
      `  /health/ready 200 again after the kill: api ${apiReady} ms, projector ${projectorReady} ms, ingest ${ingestReady} ms` +
      // what the API said meanwhile: how it found the promoted server
      warningsOf(api.lines).map((line) => `\n  api ${line}`).join(''),
  );

  expect(lost).toEqual([]);
  expect(unexpected).toEqual([]);
  expect(acknowledged.length).toBeGreaterThan(before);
  expect(firstAfter).toBeDefined();
  expect({ api: api.child.exitCode, projector: projector.child.exitCode, ingest: ingest.child.exitCode }).toEqual({ api: null, projector: null, ingest: null });
  // the API went to the promoted server by itself: what it reads now is there
  expect((await acme.dispatcher.get(`/jobs/${acknowledged.at(-1)!.id}`)).status).toBe(200);
}, 180_000);

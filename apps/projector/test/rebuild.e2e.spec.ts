import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { liveKeys } from '#libs/live';
import type { AppProcess } from '../../../test/support/app-process';
import { event, eventually, fixEvent, type Harness, harness, produce, startProjector, uniqueTenant } from '../../../test/support/projector';

// `npm run rebuild -- telemetry` while the live projector keeps projecting a stream: the rebuilt
// tables equal the live ones row for row, the stream written meanwhile is complete, aggregates work.

const root = path.join(__dirname, '..', '..', '..');
let h: Harness;
let projector: AppProcess;
let boards: AppProcess;

beforeAll(async () => {
  h = await harness();
}, 60_000);

afterAll(async () => {
  await Promise.all([projector?.stop(), boards?.stop()]);
  await h?.close();
});

/** Every column of a tenant's rows, in one digest. */
async function digest(tenantId: string): Promise<{ rows: number; md5: string }> {
  const { rows } = await h.db.query<{ rows: string; md5: string }>(
    `SELECT count(*)::text AS rows, md5(string_agg(concat_ws('|', time, subject_id, device_id, message_id, lat, lon, speed_mps, segment_m, source, recorded_at), ',' ORDER BY subject_id, time, message_id)) AS md5
     FROM locations WHERE tenant_id = $1`,
    [tenantId],
  );
  return { rows: Number(rows[0]!.rows), md5: rows[0]!.md5 };
}

const track = (tenantId: string, subjects: number, fixes: number, t0: number) =>
  Array.from({ length: subjects }, (_, s) =>
    Array.from({ length: fixes }, (_, i) => fixEvent(tenantId, `tech-${s}`, `dev-${s}`, i, new Date(t0 + i * 5_000), 52 + i / 10_000, 13 + s / 100, 6)),
  ).flat();

function runRebuild(projection: 'telemetry' | 'dispatch'): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'tools', 'rebuild', 'rebuild.ts'), projection], { cwd: root, env: process.env });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

it('rebuilds the telemetry history from the log while the live projection keeps writing, and swaps it in equal', async () => {
  const before = uniqueTenant('rebuild');
  const during = uniqueTenant('during');
  const input = track(before, 10, 300, Date.now() - 7_200_000);
  await produce(h.producer, input);
  projector = await startProjector(`e2e-rebuild-${randomUUID().slice(0, 8)}`, { PROJECTOR_PROJECTIONS: 'history' });
  await eventually('the live projection done', async () => ((await digest(before)).rows === input.length ? true : undefined), 90_000);
  const live = await digest(before);

  const rebuilding = runRebuild('telemetry');
  // the stream goes on during the rebuild; the live projector writes it (to the old tables, then the new)
  const meanwhile = track(during, 4, 250, Date.now() - 3_600_000);
  for (let i = 0; i < meanwhile.length; i += 100) {
    await produce(h.producer, meanwhile.slice(i, i + 100));
    await new Promise((r) => setTimeout(r, 50));
  }
  const { code, output } = await rebuilding;
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('swapped in') });

  expect(await digest(before)).toEqual(live); // rebuilt equals live, row for row
  await eventually('the stream written during the rebuild, complete', async () => ((await digest(during)).rows === meanwhile.length ? true : undefined), 60_000);
  const { rows } = await h.db.query<{ n: string }>(
    'SELECT count(DISTINCT (subject_id, message_id))::text AS n FROM locations WHERE tenant_id = $1',
    [during],
  );
  expect(Number(rows[0]!.n)).toBe(meanwhile.length);

  // the aggregates were recreated on the new tables
  const { rows: hourly } = await h.db.query<{ points: string }>('SELECT sum(points)::text AS points FROM locations_1h WHERE tenant_id = $1', [before]);
  expect(Number(hourly[0]!.points)).toBe(input.length);
  const { rows: leftovers } = await h.db.query("SELECT 1 FROM pg_tables WHERE tablename LIKE '%\\_\\_rebuild'");
  expect(leftovers).toEqual([]);
}, 240_000);

it('rebuilds the live job board from the dispatch log and swaps it in: a damaged board is whole again, equal to what it was', async () => {
  const tenantId = uniqueTenant('board');
  const stream = Array.from({ length: 20 }, (_, j) => [
    event('job.created', { title: `Job ${j}`, requiredSkills: ['hvac'], priority: 'normal' }, tenantId, `job-${j}`, { streamPosition: 1 }),
    event('job.assigned', { technicianId: 'tech-1' }, tenantId, `job-${j}`, { streamPosition: 2 }),
    ...(j % 2 ? [event('job.travel_started', { technicianId: 'tech-1' }, tenantId, `job-${j}`, { streamPosition: 3 })] : []),
  ]).flat();
  stream.push(event('technician.registered', { name: 'Ada', skills: ['hvac'] }, tenantId, 'tech-1', { streamPosition: 1 }));
  await produce(h.producer, stream);
  boards = await startProjector(`e2e-boards-${randomUUID().slice(0, 8)}`, { PROJECTOR_PROJECTIONS: 'dispatch' });
  const keys = liveKeys(tenantId);
  const live = await eventually('the board built live', async () => {
    const jobs = await h.redis.hgetall(keys.jobs);
    return Object.keys(jobs).length === 20 && JSON.parse(jobs['job-19']!).status === 'en_route' ? jobs : undefined;
  });
  const technicians = await h.redis.hgetall(keys.technicians);

  // damage: a job lost, another one stale
  await h.redis.hdel(keys.jobs, 'job-3');
  await h.redis.hset(keys.jobs, 'job-5', JSON.stringify({ ...JSON.parse(live['job-5']!), status: 'unassigned', version: 1 }));
  const { code, output } = await runRebuild('dispatch');
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('swapped in') });
  expect(await h.redis.hgetall(keys.jobs)).toEqual(live);
  expect(await h.redis.hgetall(keys.technicians)).toEqual(technicians);
  expect(await h.redis.exists(`${keys.jobs}:rebuild`)).toBe(0);
}, 240_000);

import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { topics } from '#libs/events';
import type { AppProcess } from '../../../test/support/app-process';
import { TestDatabase } from '../../../test/support/test-database';
import { eventually, fixEvent, type Harness, harness, produce, startProjector, uniqueTenant } from '../../../test/support/projector';

// The projector outlives its database: a database of its own, SIGKILLed while fixes arrive, then
// restarted over the same data. The process stays up, is not ready meanwhile, and every fix reaches
// the history once the database is back (its offsets did not move past what it could not write).

const database = new TestDatabase();
let projector: AppProcess;
let h: Harness;
const tenantId = uniqueTenant('outage');

const historyRows = async () => {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM locations WHERE tenant_id = $1', [tenantId]);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
};
const fixes = (from: number, count: number) => Array.from({ length: count }, (_, i) => fixEvent(tenantId, 'tech-outage', 'dev-outage', from + i, new Date(Date.now() - 60_000 + (from + i) * 100), 52.5 + (from + i) / 111_195, 13.4, 5));

beforeAll(async () => {
  h = await harness();
  await database.start();
  // Only the history projection (the one that writes the database), its group starting at the log's
  // end: what other suites left in the topic is not this test's to wait for.
  const prefix = `e2e-db-outage-${randomUUID().slice(0, 8)}`;
  const admin = h.kafka.admin();
  await admin.connect();
  const latest = await admin.fetchTopicOffsets(topics.telemetry.name);
  await admin.setOffsets({ groupId: `${prefix}-history`, topic: topics.telemetry.name, partitions: latest.map(({ partition, offset }) => ({ partition, offset })) });
  await admin.disconnect();
  projector = await startProjector(prefix, { DATABASE_URL: database.url, PROJECTOR_PROJECTIONS: 'history' });
}, 120_000);

afterAll(async () => {
  await projector?.stop();
  database.remove();
  await h?.close();
});

it(`stays up through a SIGKILLed database, is not ready meanwhile, and projects everything once it is back (${database.engine})`, async () => {
  await produce(h.producer, fixes(0, 50));
  await eventually('the first fixes in the history', async () => ((await historyRows()) === 50 ? true : undefined));

  database.kill();
  await produce(h.producer, fixes(50, 50));
  await new Promise((r) => setTimeout(r, 4_000));
  expect(projector.child.exitCode).toBeNull();
  expect((await fetch(`${projector.url}/health/live`)).status).toBe(200);
  expect((await fetch(`${projector.url}/health/ready`)).status).toBe(503);

  await database.start();
  await eventually('every fix in the history after the return', async () => ((await historyRows().catch(() => 0)) === 100 ? true : undefined), 90_000);
  await eventually('ready again', async () => ((await fetch(`${projector.url}/health/ready`)).status === 200 ? true : undefined), 30_000);
  expect(projector.child.exitCode).toBeNull();
}, 180_000);

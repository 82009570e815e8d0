import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { topics } from '#libs/events';
import type { AppProcess } from '../../../test/support/app-process';
import { newTenant, startApi, type Tenant } from '../../../test/support/api';

// The outbox under failure: an API killed with SIGKILL while commands and publishing are in flight,
// then a second instance (and a third, running at the same time) taking over. Every committed event
// must reach Kafka, in stream order per job; duplicates are allowed (consumers drop them by id).

let db: Pool;
const running: AppProcess[] = [];

beforeAll(() => {
  db = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
});
afterAll(async () => {
  await Promise.all(running.map((app) => app.stop()));
  await db.end();
});

async function start() {
  const api = await startApi();
  running.push(api.app);
  return api;
}

/** Fires job commands without waiting for each other; returns once all settled (some fail when killed). */
async function workload(tenant: Tenant, jobs: number): Promise<void> {
  await Promise.allSettled(
    Array.from({ length: jobs }, async () => {
      const created = await tenant.dispatcher.post('/jobs', { title: `outbox ${randomUUID().slice(0, 6)}` });
      if (created.status !== 201) return;
      for (const step of ['priority', 'notes', 'notes']) {
        await tenant.dispatcher.post(`/jobs/${created.body.id}/${step}`, step === 'priority' ? { priority: 'high' } : { text: 'progress' });
      }
    }),
  );
}

async function waitForEmptyOutbox(tenantId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM outbox o JOIN events e USING (global_position) WHERE e.tenant_id = $1`,
      [tenantId],
    );
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} outbox rows still unsent`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every event of the tenant in Kafka: per stream, event ids in order of first arrival. */
async function readKafka(tenantId: string, expected: number): Promise<Map<string, { id: string; position: number }[]>> {
  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-outbox-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.dispatch.name, fromBeginning: true });
  const seen = new Set<string>();
  const streams = new Map<string, { id: string; position: number }[]>();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value!.toString());
        if (event.tenantId !== tenantId || seen.has(event.id)) return; // duplicates dropped by id
        seen.add(event.id);
        streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), { id: event.id, position: event.streamPosition }]);
        if (seen.size === expected) resolve();
      },
    });
  });
  await consumer.disconnect();
  return streams;
}

it('loses nothing and keeps stream order when an API dies mid-flight and two others take over', async () => {
  const first = await start();
  const tenant = await newTenant(first.http);
  const load = workload(tenant, 40);
  await new Promise((r) => setTimeout(r, 300));
  first.app.child.kill('SIGKILL'); // no shutdown hooks: its session (and any lock it held) dies with it
  await load;

  // Two instances at once: one publishes each batch (advisory lock), the other whenever it is free.
  const [second, third] = await Promise.all([start(), start()]);
  await Promise.all(
    [second, third].map((api) => workload({ ...tenant, dispatcher: tenant.dispatcher.at(api.app.url) }, 15)),
  );
  await waitForEmptyOutbox(tenant.tenantId);

  const { rows } = await db.query<{ stream_id: string; event_id: string; stream_position: number }>(
    'SELECT stream_id, event_id, stream_position FROM events WHERE tenant_id = $1 ORDER BY stream_id, stream_position',
    [tenant.tenantId],
  );
  const stored = new Map<string, { id: string; position: number }[]>();
  for (const row of rows) stored.set(row.stream_id, [...(stored.get(row.stream_id) ?? []), { id: row.event_id, position: row.stream_position }]);

  const published = await readKafka(tenant.tenantId, rows.length);
  expect(rows.length).toBeGreaterThan(120);
  expect(published).toEqual(stored); // every committed event, each stream in order
}, 120_000);

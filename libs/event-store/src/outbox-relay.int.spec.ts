import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { topics } from '#libs/events';
import { brokerList, KafkaService, type OutgoingRecord } from '#libs/kafka';
import { DatabaseService, migrate } from '#libs/timescale';
import { laneEngine } from '../../../test/support/test-database';
import { PostgresEventStore } from './postgres-event-store';
import { OutboxRelay } from './outbox-relay';

// The relay's single-publisher rule on the real server: while one relay is inside a batch (its Kafka
// send held open here), another relay publishes nothing; once the first commits, the next batch is the
// other's to take. Real Kafka, real database; the send is only made to wait.

const logger = pino({ level: 'silent' });

/** A real KafkaService whose sends wait until `release()`. */
class HeldKafka extends KafkaService {
  private gate = Promise.withResolvers<void>();
  readonly entered = Promise.withResolvers<void>();
  override async send(records: OutgoingRecord[]): Promise<void> {
    this.entered.resolve();
    await this.gate.promise;
    return super.send(records);
  }
  release(): void {
    this.gate.resolve();
  }
}

let db: DatabaseService;
let held: HeldKafka;
let free: KafkaService;

beforeAll(async () => {
  db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 4, logger });
  await migrate(db, logger); // this file may be the first to touch a fresh database
  const kafka = { brokers: brokerList(process.env.KAFKA_BROKERS!), logger };
  held = new HeldKafka({ ...kafka, clientId: 'it-relay-held' });
  free = new KafkaService({ ...kafka, clientId: 'it-relay-free' });
  await free.ensureTopics([topics.dispatch]);
});

afterAll(async () => {
  held?.release();
  await held?.onApplicationShutdown();
  await free?.onApplicationShutdown();
  await db?.onApplicationShutdown();
});

/** A job.created appended on a new stream of the tenant (its outbox row queued with it). */
const created = (tenantId: string, streamId: string) =>
  new PostgresEventStore(db).append({
    tenantId,
    streamId,
    expectedVersion: 0,
    events: [{ type: 'job.created', data: { jobId: streamId, title: 'relay', requiredSkills: [], priority: 'normal' } } as never],
    context: { actor: { kind: 'system', id: 'it' }, now: new Date().toISOString(), correlationId: randomUUID() } as never,
  });

(laneEngine() === 'postgres' ? it : it.skip)('publishes from one relay at a time: a second relay waits out the first one’s batch, then takes the next', async () => {
  const tenantId = `it-relay-${randomUUID().slice(0, 8)}`;
  const append = (streamId: string) => created(tenantId, streamId);
  await append(`job-${randomUUID()}`);

  const options = { logger, pollMs: 60_000, batchSize: 10_000, enabled: false };
  const first = new OutboxRelay(db, held, options);
  const second = new OutboxRelay(db, free, options);
  const firstBatch = first.publishBatch();
  await held.entered.promise; // inside its transaction, lock held, rows read

  expect(await second.publishBatch()).toBe(0); // the lock is taken: nothing published twice or out of order
  await append(`job-${randomUUID()}`); // committed while the first batch is in flight

  held.release();
  expect(await firstBatch).toBeGreaterThanOrEqual(1);
  expect(await second.publishBatch()).toBeGreaterThanOrEqual(1); // the lock went with the first one's commit
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox o JOIN events e USING (global_position) WHERE e.tenant_id = $1',
    [tenantId],
  );
  expect(rows[0]!.n).toBe(0);
}, 30_000);
it('a batch whose send fails stays queued (its delete rolls back with the transaction) and is published by the next pass', async () => {
  const tenantId = `it-relay-${randomUUID().slice(0, 8)}`;
  await created(tenantId, `job-${randomUUID()}`);
  const queued = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox o JOIN events e USING (global_position) WHERE e.tenant_id = $1', [tenantId])).rows[0]!.n;
  const failing = Object.assign(Object.create(free) as KafkaService, {
    send: async () => {
      throw new Error('Kafka away');
    },
  });
  const options = { logger, pollMs: 60_000, batchSize: 10_000, enabled: false };
  await expect(new OutboxRelay(db, failing, options).publishBatch()).rejects.toThrow('Kafka away');
  expect(await queued()).toBe(1);
  expect(await new OutboxRelay(db, free, options).publishBatch()).toBeGreaterThanOrEqual(1);
  expect(await queued()).toBe(0);
}, 30_000);

if (laneEngine() !== 'postgres') console.log('skipped the relay lock test: on the embedded engine a transaction holds the one session, so the second relay waits rather than answering');

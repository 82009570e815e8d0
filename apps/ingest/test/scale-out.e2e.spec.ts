import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import pino from 'pino';
import { topics } from '#libs/events';
import { hashSecret } from '#libs/platform';
import { DatabaseService, migrate } from '#libs/timescale';
import { dataDir } from '../../../tools/stack/stack.config';
import { type AppProcess, stackEnv, startAppProcess } from '../../../test/support/app-process';

// Scale-out mode: devices talk MQTT 5 to Debian's mosquitto; two ingest processes share one MQTT 5
// shared subscription. Every message must be handled exactly once between them, and both must work.

const PORT = 18850;
const logger = pino({ level: 'silent' });
const tenantId = `tnt_scale_${randomUUID().slice(0, 8)}`;
const deviceIds = [1, 2, 3, 4].map((n) => `dev_scale_${n}_${randomUUID().slice(0, 6)}`);
let mosquitto: ChildProcess;
const nodes: AppProcess[] = [];
let db: DatabaseService;

beforeAll(async () => {
  const dir = join(dataDir, 'mosquitto-scale-out');
  mkdirSync(dir, { recursive: true });
  // Anonymous on loopback for the test; production configures authentication and ACLs in mosquitto.
  writeFileSync(join(dir, 'mosquitto.conf'), `listener ${PORT} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  mosquitto = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));

  db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 2, logger });
  await migrate(db, logger);
  const hash = await hashSecret('unused-in-external-mode');
  for (const id of deviceIds) await db.query(`INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash) VALUES ($1, $2, 'tracker', 's', $3)`, [id, tenantId, hash]);

  for (const node of ['a', 'b']) {
    nodes.push(
      await startAppProcess('ingest', {
        ...stackEnv(),
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        MQTT_MODE: 'external',
        MQTT_EXTERNAL_URL: `mqtt://127.0.0.1:${PORT}`,
        INGEST_NODE_ID: `e2e-${node}-${randomUUID().slice(0, 6)}`,
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  mosquitto?.kill();
  await db?.onApplicationShutdown();
});

it('splits an MQTT 5 device stream between two ingest processes, each message handled exactly once', async () => {
  for (const node of nodes) expect((await fetch(`${node.url}/health/ready`)).status).toBe(200);
  const perDevice = 50;
  await Promise.all(
    deviceIds.map(async (id) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${PORT}`, { protocolVersion: 5, clientId: id, reconnectPeriod: 0 });
      for (let n = 0; n < perDevice; n++) await client.publishAsync(`fieldline/v1/${id}/location`, JSON.stringify({ lat: 10 + n / 1000, lon: 20, id: `${id}-${n}` }), { qos: 1 });
      await client.endAsync();
    }),
  );

  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-scale-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.telemetry.name, fromBeginning: true });
  const records: { messageId: string; node: string }[] = [];
  const expected = deviceIds.length * perDevice;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (!deviceIds.includes(message.key?.toString() ?? '')) return;
        records.push({ messageId: JSON.parse(message.value!.toString()).data.messageId, node: message.headers?.['ingest-node']?.toString() ?? '' });
        if (records.length >= expected) setTimeout(resolve, 1000); // and wait a moment for duplicates
      },
    });
  });
  await consumer.disconnect();

  expect(records).toHaveLength(expected); // no duplicates
  expect(new Set(records.map((r) => r.messageId)).size).toBe(expected); // none missing
  expect(new Set(records.map((r) => r.node)).size).toBe(2); // both instances took a share
});

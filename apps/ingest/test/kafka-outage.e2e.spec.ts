import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import pino from 'pino';
import { topics } from '#libs/events';
import { hashSecret } from '#libs/platform';
import { DatabaseService, migrate } from '#libs/timescale';
import { createKafkaComponent } from '../../../tools/stack/kafka.component';
import { stopProcess } from '../../../tools/stack/managed-process';
import { raiseOne } from '../../../tools/stack/stack-component';
import { dataDir } from '../../../tools/stack/stack.config';
import { type AppProcess, stackEnv, startAppProcess } from '../../../test/support/app-process';
import { mqttPortOf } from '../../../test/support/devices';

// Kafka stopped in the middle of a device's stream, then started again. Every message that got a
// PUBACK must be in Kafka, and ingest must carry on without a restart. This suite runs its own broker
// (other ports, own data) so the shared one stays up for every other test.

const privateKafka = createKafkaComponent({ name: 'kafka-outage-test', dataDir: join(dataDir, 'kafka-outage-test'), port: 29092, controllerPort: 29093 });
const brokers = '127.0.0.1:29092';
const logger = pino({ level: 'silent' });
const device = { id: `dev_outage_${randomUUID().slice(0, 8)}`, secret: 'outage-secret-0123456789' };
let app: AppProcess;
let db: DatabaseService;
let client: mqtt.MqttClient;

beforeAll(async () => {
  await raiseOne(privateKafka);
  db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 2, logger });
  await migrate(db, logger);
  await db.query(`INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash) VALUES ($1, 'tnt_outage', 'tracker', 'o', $2)`, [device.id, await hashSecret(device.secret)]);
  app = await startAppProcess('ingest', { ...stackEnv(), KAFKA_BROKERS: brokers, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1' });
  const port = mqttPortOf(app);
  client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 500 });
}, 120_000);

afterAll(async () => {
  await client?.endAsync(true);
  await app?.stop();
  await db?.onApplicationShutdown();
  await stopProcess(privateKafka.name);
});

const fix = (n: number) => JSON.stringify({ lat: 52 + n / 1000, lon: 13, id: `m-${n}` });

it('loses no acknowledged message when Kafka goes away mid-stream and comes back', async () => {
  const topic = `fieldline/v1/${device.id}/location`;
  const acked: string[] = [];
  const send = (n: number) => client.publishAsync(topic, fix(n), { qos: 1 }).then(() => void acked.push(`m-${n}`));
  for (let n = 1; n <= 5; n++) await send(n);
  expect(acked).toHaveLength(5);

  await stopProcess(privateKafka.name); // the broker dies
  const during = Array.from({ length: 5 }, (_, i) => send(6 + i));
  await new Promise((r) => setTimeout(r, 3000));
  expect(acked).toHaveLength(5); // nothing acknowledged while Kafka is away

  await raiseOne(privateKafka); // and comes back
  await Promise.all(during);
  for (let n = 11; n <= 15; n++) await send(n);
  expect(acked).toHaveLength(15);

  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-outage-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.telemetry.name, fromBeginning: true });
  const stored = new Set<string>();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() !== device.id) return;
        stored.add(JSON.parse(message.value!.toString()).data.messageId);
        if (acked.every((id) => stored.has(id))) resolve();
      },
    });
  });
  await consumer.disconnect();
  expect(acked.filter((id) => !stored.has(id))).toEqual([]);
}, 180_000);

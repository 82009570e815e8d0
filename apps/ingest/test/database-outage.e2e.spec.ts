import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import pino from 'pino';
import { hashSecret } from '#libs/platform';
import { DatabaseService, migrate } from '#libs/timescale';
import { type AppProcess, stackEnv, startAppProcess, tryParse } from '../../../test/support/app-process';
import { mqttPortOf } from '../../../test/support/devices';
import { TestDatabase } from '../../../test/support/test-database';

// Ingest outlives its database (the device directory): a database of its own, SIGKILLed, restarted.
// Meanwhile the process stays up; a device already checked keeps publishing; a device that connects
// is told "server unavailable" (it retries), never "bad credentials" (a phone app would stop and ask
// its user for a new password); an OsmAnd post gets 503 + Retry-After. After the return, both connect.

const database = new TestDatabase();
const logger = pino({ level: 'silent' });
const known = { id: `dev_dbo_${randomUUID().slice(0, 8)}`, secret: 'db-outage-secret-0123456789' };
const newcomer = { id: `dev_dbn_${randomUUID().slice(0, 8)}`, secret: 'db-outage-secret-9876543210' };
let app: AppProcess;
let port: number;
let client: mqtt.MqttClient;

beforeAll(async () => {
  await database.start();
  const db = new DatabaseService({ url: database.url, poolMax: 2, logger });
  await migrate(db, logger);
  for (const d of [known, newcomer]) await db.query(`INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash) VALUES ($1, 'tnt_dbo', 'tracker', 'o', $2)`, [d.id, await hashSecret(d.secret)]);
  await db.onApplicationShutdown();
  app = await startAppProcess('ingest', { ...stackEnv(), DATABASE_URL: database.url, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1' });
  port = mqttPortOf(app);
  client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: known.id, username: known.id, password: known.secret, reconnectPeriod: 0 });
}, 120_000);

afterAll(async () => {
  await client?.endAsync(true);
  await app?.stop();
  database.remove();
});

const connect = (d: { id: string; secret: string }) =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: d.id, username: d.id, password: d.secret, reconnectPeriod: 0, connectTimeout: 10_000 });

it(`stays up without its database: checked devices publish, new ones hear "server unavailable", and all connect once it is back (${database.engine})`, async () => {
  database.kill();
  await new Promise((r) => setTimeout(r, 1_000));

  await expect(client.publishAsync(`fieldline/v1/${known.id}/location`, JSON.stringify({ lat: 52.5, lon: 13.4, id: 'dbo-1' }), { qos: 1 })).resolves.toBeDefined();
  const refused = await connect(newcomer).then(
    (c) => (c.end(true), undefined),
    (error: Error & { code?: number }) => error,
  );
  expect(refused?.code).toBe(3); // CONNACK: server unavailable
  const http = app.lines.map(tryParse).find((r) => r?.event === 'app.listening')!.url as string;
  const osmand = await fetch(`${http}/osmand?id=${newcomer.id}&lat=52.5&lon=13.4&timestamp=${Math.floor(Date.now() / 1000)}`, { headers: { authorization: `Basic ${Buffer.from(`${newcomer.id}:${newcomer.secret}`).toString('base64')}` } });
  expect(osmand.status).toBe(503);
  expect(osmand.headers.get('retry-after')).toBe('5');
  expect(app.child.exitCode).toBeNull();

  await database.start();
  let back: mqtt.MqttClient | undefined;
  for (let i = 0; i < 60 && !back; i++) {
    back = await connect(newcomer).catch(async () => {
      await new Promise((r) => setTimeout(r, 500));
      return undefined;
    });
  }
  expect(back?.connected).toBe(true);
  await back!.endAsync(true);
  expect(app.child.exitCode).toBeNull();
}, 120_000);

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import pino from 'pino';
import { newEnvelope, topics } from '#libs/events';
import { hashGeneratedSecret, hashSecret } from '#libs/platform';
import { DatabaseService, migrate } from '#libs/timescale';
import { type AppProcess, stackEnv, startAppProcess, tryParse } from '../../../test/support/app-process';
import { downlinkConsumerReady, mqttPortOf } from '../../../test/support/devices';

// Devices publishing to the ingest app as a real process, with real clients (mqtt.js and Debian's
// mosquitto_pub), and what arrives in the real Kafka.

const run = promisify(execFile);
const logger = pino({ level: 'silent' });
const tenantId = `tnt_ingest_${randomUUID().slice(0, 8)}`;
const phone = { id: `dev_phone_${randomUUID().slice(0, 8)}`, secret: 'phone-secret-0123456789' };
const other = { id: `dev_other_${randomUUID().slice(0, 8)}`, secret: 'other-secret-0123456789' };
let app: AppProcess;
let mqttPort: number;
let db: DatabaseService;
const clients: mqtt.MqttClient[] = [];

beforeAll(async () => {
  db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 2, logger });
  await migrate(db, logger); // the API owns the schema; make sure it exists whatever ran first
  for (const device of [phone, other]) {
    await db.query(
      `INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash, technician_id, owntracks_user, owntracks_device)
       VALUES ($1, $2, 'phone', 'e2e', $3, 'tech_ada', $4, 'phone')`,
      // the phone as POST /devices stores it (SHA-256 of a generated secret), the other as older rows (scrypt): both log in
      [device.id, tenantId, device === phone ? hashGeneratedSecret(device.secret) : await hashSecret(device.secret), device.id.replace('dev_', 'ot_')],
    );
  }
  app = await startAppProcess('ingest', { ...stackEnv(), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1', INGEST_MAX_PAYLOAD_BYTES: '1024', INGEST_STALE_AFTER_S: '1' });
  mqttPort = mqttPortOf(app);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await app?.stop();
  await db?.onApplicationShutdown();
});

const connect = async (device: { id: string; secret: string }, options: mqtt.IClientOptions = {}) => {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 0, ...options });
  clients.push(client);
  return client;
};

/** Records on `topic` keyed by `key`, from the start, until `count` arrived. */
async function kafkaRecords(topic: string, key: string, count: number): Promise<Record<string, any>[]> {
  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-ingest-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const found: Record<string, any>[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() !== key) return;
        found.push(JSON.parse(message.value!.toString()));
        if (found.length >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return found;
}

it('turns a QoS 1 location into a telemetry event, keeping the device time and message id', async () => {
  const client = await connect(phone);
  const fixTime = new Date(Date.now() - 3 * 3600_000).toISOString(); // a late fix keeps its time
  await client.publishAsync(`fieldline/v1/${phone.id}/location`, JSON.stringify({ lat: 52.52, lon: 13.405, ts: fixTime, acc: 4, spd: 8.5, hdg: 90, batt: 77, id: 'm-1' }), { qos: 1 });
  const [event] = await kafkaRecords(topics.telemetry.name, phone.id, 1);
  expect(event).toMatchObject({
    type: 'telemetry.location_reported',
    tenantId,
    occurredAt: new Date(fixTime).toISOString(),
    actor: { kind: 'device', id: phone.id },
    data: { deviceId: phone.id, subjectId: 'tech_ada', lat: 52.52, lon: 13.405, accuracyM: 4, speedMps: 8.5, headingDeg: 90, batteryPct: 77, source: 'mqtt', messageId: 'm-1' },
  });
});

it('accepts OwnTracks as the app sends it, from mosquitto_pub', async () => {
  const tst = Math.floor(Date.now() / 1000) - 60;
  const payload = JSON.stringify({ _type: 'location', lat: 48.137, lon: 11.575, tst, acc: 12, vel: 36, cog: 180, batt: 55, tid: 'ph' });
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-q', '1', '-i', other.id, '-u', other.id, '-P', other.secret, '-t', `owntracks/${other.id.replace('dev_', 'ot_')}/phone`, '-m', payload]);
  const [event] = await kafkaRecords(topics.telemetry.name, other.id, 1);
  expect(event).toMatchObject({
    type: 'telemetry.location_reported',
    occurredAt: new Date(tst * 1000).toISOString(),
    data: { lat: 48.137, lon: 11.575, accuracyM: 12, speedMps: 10, headingDeg: 180, batteryPct: 55, source: 'owntracks' },
  });
});

it('acknowledges bad payloads and dead-letters each with its reason and the raw bytes', async () => {
  const client = await connect(phone, { clientId: `${phone.id}:dlq` });
  const topic = `fieldline/v1/${phone.id}/location`;
  const bad = [
    ['{"lat": 52', 'malformed_json'],
    [JSON.stringify({ lat: 91, lon: 0 }), 'invalid_payload'],
    [JSON.stringify({ lat: 1, lon: 1, ts: new Date(Date.now() + 3600_000).toISOString() }), 'timestamp_out_of_range'],
    [JSON.stringify({ lat: 1, lon: 1, pad: 'x'.repeat(2000) }), 'payload_too_large'],
  ] as const;
  for (const [payload] of bad) await client.publishAsync(topic, payload, { qos: 1 }); // each PUBACKed
  const records = await kafkaRecords(topics.dlq.name, phone.id, bad.length);
  expect(records.map((r) => r.code)).toEqual(bad.map(([, code]) => code));
  expect(Buffer.from(records[0]!.rawBase64, 'base64').toString()).toBe('{"lat": 52');
  expect(records.every((r) => r.tenantId === tenantId && r.source === 'ingest.mqtt')).toBe(true);
});

it('refuses wrong credentials with CONNACK 4', async () => {
  await expect(connect({ id: phone.id, secret: 'wrong-secret' }, { clientId: `${phone.id}:bad` })).rejects.toMatchObject({ code: 4 });
});

it('enforces the ACL: another device\'s topic disconnects the publisher; another command topic is refused in the SUBACK', async () => {
  const client = await connect(phone, { clientId: `${phone.id}:acl` });
  // mqtt.js rejects a SUBACK that refuses anything; the packet says which.
  const refused = await client.subscribeAsync([`fieldline/v1/${phone.id}/cmd`, `fieldline/v1/${other.id}/cmd`], { qos: 1 }).catch((e: { packet?: { granted?: number[] } }) => e);
  expect((refused as { packet: { granted: number[] } }).packet.granted).toEqual([1, 128]);
  expect(client.connected).toBe(true);
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.publish(`fieldline/v1/${other.id}/location`, JSON.stringify({ lat: 1, lon: 1 }), { qos: 1 });
  await closed;
  // and the other device is unaffected
  const bystander = await connect(other, { clientId: `${other.id}:bystander` });
  await bystander.publishAsync(`fieldline/v1/${other.id}/status`, JSON.stringify({ status: 'ok' }), { qos: 1 });
});

describe('OsmAnd over HTTP (Traccar Client)', () => {
  const ingestUrl = () => app.url;

  it('maps a GET with the secret as Basic password, speed from knots', async () => {
    const tst = Math.floor(Date.now() / 1000) - 30;
    const auth = `Basic ${Buffer.from(`${phone.id}:${phone.secret}`).toString('base64')}`;
    const query = new URLSearchParams({ id: phone.id, lat: '50.1109', lon: '8.6821', timestamp: String(tst), speed: '10', bearing: '45', altitude: '112', accuracy: '6', batt: '64' });
    const reply = await fetch(`${ingestUrl()}/osmand?${query}`, { headers: { authorization: auth } });
    expect({ status: reply.status, body: await reply.text() }).toEqual({ status: 200, body: 'accepted' });
    const events = await kafkaRecords(topics.telemetry.name, phone.id, 2); // after the MQTT one above
    const osmand = events.find((e) => e.data.source === 'osmand');
    expect(osmand).toMatchObject({
      occurredAt: new Date(tst * 1000).toISOString(),
      data: { lat: 50.1109, lon: 8.6821, headingDeg: 45, altitudeM: 112, accuracyM: 6, batteryPct: 64, source: 'osmand' },
    });
    expect(osmand!.data.speedMps).toBeCloseTo(5.144, 3);
  });

  it('accepts a form POST with the password field, and refuses a wrong secret with 401', async () => {
    const form = new URLSearchParams({ id: other.id, password: other.secret, lat: '1.5', lon: '2.5' });
    const ok = await fetch(`${ingestUrl()}/osmand`, { method: 'POST', body: form });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${ingestUrl()}/osmand?id=${other.id}&password=nope&lat=1&lon=1`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });

  it('dead-letters an out-of-range fix and still answers 200 (the client must not retry it)', async () => {
    const reply = await fetch(`${ingestUrl()}/osmand?id=${other.id}&password=${other.secret}&lat=123&lon=1`);
    expect(await reply.text()).toBe('dead-lettered');
    const records = await kafkaRecords(topics.dlq.name, other.id, 1);
    expect(records[0]).toMatchObject({ source: 'ingest.osmand', code: 'invalid_payload' });
  });
});

describe('device presence', () => {
  it('reports a device online once for two sessions, stale when silent, offline when its last session ends', async () => {
    const tracker = { id: `dev_presence_${randomUUID().slice(0, 8)}`, secret: 'presence-secret-0123456789' };
    await db.query(`INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash) VALUES ($1, $2, 'tracker', 'p', $3)`, [tracker.id, tenantId, await hashSecret(tracker.secret)]);
    const first = await connect(tracker);
    const second = await connect(tracker, { clientId: `${tracker.id}:2` });
    await first.endAsync();
    await new Promise((r) => setTimeout(r, 2500)); // INGEST_STALE_AFTER_S=1 in this suite: silence → stale
    await second.endAsync();
    const events = await kafkaRecords(topics.presence.name, tracker.id, 3);
    expect(events.map((e) => e.type)).toEqual(['presence.device_connected', 'presence.device_stale', 'presence.device_disconnected']);
    expect(events[2].data).toMatchObject({ deviceId: tracker.id, reason: 'disconnected' });
    expect(events.every((e) => e.tenantId === tenantId)).toBe(true);
  });
});

describe('downlink commands', () => {
  it('queues a command while the device is offline and delivers it when it returns (QoS 1, persistent session), once though Kafka hands it over twice', async () => {
    const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    await downlinkConsumerReady();

    const session = { clientId: `${phone.id}:cmd`, clean: false };
    const first = await connect(phone, session);
    await first.subscribeAsync(`fieldline/v1/${phone.id}/cmd`, { qos: 1 });
    await first.endAsync(); // offline, session kept

    // What the API's outbox publishes for POST /devices/:id/commands.
    const command = (commandId: string, seconds: number) =>
      newEnvelope({
        type: 'device.command_issued',
        data: { deviceId: phone.id, commandId, command: 'set_interval', args: { seconds } },
        tenantId,
        streamId: phone.id,
        streamPosition: 1,
        actor: { kind: 'user', id: 'dispatcher' },
      });
    const producer = kafka.producer();
    await producer.connect();
    const send = (event: ReturnType<typeof command>) =>
      producer.send({ topic: topics.dispatch.name, messages: [{ key: phone.id, value: JSON.stringify(event), headers: { 'event-type': event.type } }] });
    const event = command(`cmd-e2e-${randomUUID().slice(0, 8)}`, 30);
    await send(event);
    await new Promise((r) => setTimeout(r, 1500)); // the command reaches the broker while the device is away

    // Listen before connecting: the queued command arrives right behind the CONNACK.
    const back = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, { clientId: session.clientId, clean: false, username: phone.id, password: phone.secret, reconnectPeriod: 0 });
    clients.push(back);
    const received: { topic: string; body: Record<string, unknown> }[] = [];
    back.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) }));
    const until = async (count: number) => {
      while (received.length < count) await new Promise((r) => setTimeout(r, 100));
    };
    await until(1);
    expect(received).toEqual([{ topic: `fieldline/v1/${phone.id}/cmd`, body: { id: event.data.commandId, command: 'set_interval', args: { seconds: 30 }, issuedAt: event.occurredAt } }]);

    // Kafka hands the same record over again (an outbox retry, a process killed before it committed), then
    // a new command on the same key (so behind it in the partition): the device gets the new one only.
    const next = command(`cmd-e2e-${randomUUID().slice(0, 8)}`, 60);
    await send(event);
    await send(next);
    await producer.disconnect();
    await until(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(received.map((m) => m.body.id)).toEqual([event.data.commandId, next.data.commandId]);
  }, 120_000); // a process of the group killed by another suite holds its partitions for the session timeout (10 s)
});

describe('guessing limits', () => {
  it('lock a device id after repeated bad CONNECTs (the right secret too: CONNACK 3, retry later); other devices are unaffected', async () => {
    // Its own instance and namespace, with a low per-device limit; the address budget stays out of the way.
    const limited = await startAppProcess('ingest', {
      ...stackEnv(), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1',
      GUESS_MQTT_PER_DEVICE: '3', GUESS_MQTT_PER_ADDRESS: '1000', GUESS_LOCK_S: '60',
    });
    try {
      const port = mqttPortOf(limited);
      const attempt = (device: { id: string; secret: string }) =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `${device.id}:guess`, username: device.id, password: device.secret, reconnectPeriod: 0 }).then((client) => {
          clients.push(client);
          return 0;
        }, (error: { code?: number }) => error.code);
      const codes: (number | undefined)[] = [];
      for (let i = 0; i < 3; i++) codes.push(await attempt({ id: phone.id, secret: `wrong-${i}` }));
      expect(codes).toEqual([4, 4, 4]);
      const started = Date.now();
      expect(await attempt(phone)).toBe(3); // locked: the right secret is not looked at
      expect(Date.now() - started).toBeGreaterThanOrEqual(9000); // …and the refusal is held back
      expect(await attempt(other)).toBe(0); // another device from the same address connects
      expect(limited.lines.map(tryParse).some((r) => r?.msg === 'device refused: locked after repeated failures')).toBe(true);
    } finally {
      await limited.stop();
    }
  }, 60_000);
});

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { type FieldlineEvent, newEnvelope, parseEvent, topics } from '#libs/events';
import { type AppProcess, stackEnv, startAppProcess, tryParse } from '../../../test/support/app-process';
import { downlinkConsumerReady, insertDevice, mqttPortOf } from '../../../test/support/devices';

// Ingest processes sharing MQTT sessions through the stack's Redis (MQTT_SESSIONS=redis, the default):
// real processes, real Kafka and Redis, mqtt.js devices with persistent sessions (clean: false).

const tenantId = `tnt_shared_${randomUUID().slice(0, 8)}`;
const devices = [1, 2, 3].map((n) => ({ id: `dev_shared_${n}_${randomUUID().slice(0, 6)}`, secret: `shared-secret-${n}-0123456789` }));
const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
const redis = new Redis(process.env.REDIS_URL!);
const processes: AppProcess[] = [];
const clients: mqtt.MqttClient[] = [];

const suite = randomUUID().slice(0, 6);
const startIngest = async (extra: Record<string, string> = {}) => {
  const nodeId = `e2e-shared-${suite}-${processes.length}`; // named: a command's mark says which process took it
  const ingest = await startAppProcess('ingest', { ...stackEnv(), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1', INGEST_NODE_ID: nodeId, ...extra });
  processes.push(ingest);
  return Object.assign(ingest, { nodeId });
};

/** A device's persistent session on `port`, every message it receives recorded (mqtt.js PUBACKs each). */
const connect = async (device: { id: string; secret: string }, port: number) => {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: device.id, username: device.id, password: device.secret, clean: false, reconnectPeriod: 0 });
  clients.push(client);
  const received: Record<string, unknown>[] = [];
  client.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString())));
  return { client, received };
};

/** What the API's outbox publishes for POST /devices/:id/commands; on partition 0 when asked (one consumer gets them all). */
async function issueCommands(deviceIds: string[], partition?: number): Promise<string[]> {
  const producer = kafka.producer();
  await producer.connect();
  const ids = deviceIds.map(() => `cmd_${randomUUID().slice(0, 8)}`);
  const events = deviceIds.map((deviceId, i) =>
    newEnvelope({ type: 'device.command_issued', data: { deviceId, commandId: ids[i]!, command: 'set_interval', args: { seconds: 30 } }, tenantId, streamId: deviceId, streamPosition: 1, actor: { kind: 'user', id: 'dispatcher' } }),
  );
  await producer.send({ topic: topics.dispatch.name, messages: events.map((event) => ({ key: event.streamId, value: JSON.stringify(event), headers: { 'event-type': event.type }, ...(partition === undefined ? {} : { partition }) })) });
  await producer.disconnect();
  return ids;
}

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
};

/**
 * The process that handed a command to the broker, from the mark it leaves in Redis: the group holds every
 * ingest process on this stack, other suites' too, so the one that took it may be none of this suite's.
 */
const handlerOf = (commandId: string) => redis.get(`fl:${tenantId}:command-handed-over:${commandId}`);

beforeAll(async () => {
  for (const [n, device] of devices.entries()) await insertDevice({ ...device, tenantId, technicianId: `tech_shared_${n}` });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  // a clean session ends the persistent one: no test session left in Redis for every later start to load
  const running = processes.find((p) => p.child.exitCode === null && p.child.signalCode === null);
  for (const device of running ? devices : []) {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPortOf(running!)}`, { clientId: device.id, username: device.id, password: device.secret, clean: true, reconnectPeriod: 0 }).catch(() => undefined);
    await client?.endAsync();
  }
  await Promise.all(processes.map((p) => p.stop()));
  redis.disconnect();
});

it('keeps a queued command through a SIGKILL of ingest: the device reconnects to the new process and gets it once', async () => {
  const [device] = devices;
  const first = await startIngest();
  const { client } = await connect(device!, mqttPortOf(first));
  await client.subscribeAsync(`fieldline/v1/${device!.id}/cmd`, { qos: 1 });
  await client.endAsync(); // offline, session kept
  await downlinkConsumerReady();

  const [commandId] = await issueCommands([device!.id]);
  // queued in Redis for the offline session (whichever ingest process of the group took the command)
  await until('the command queued in Redis', async () => (await redis.llen(`fl:mqtt:outgoing:${device!.id}`)) === 1);

  first.child.kill('SIGKILL');
  await first.exit;
  const second = await startIngest();
  const back = await connect(device!, mqttPortOf(second));
  await until('the command delivered', () => back.received.length > 0);
  await new Promise((r) => setTimeout(r, 1500)); // a duplicate would follow by now
  expect(back.received).toEqual([expect.objectContaining({ id: commandId, command: 'set_interval', args: { seconds: 30 } })]);
  await until('the queue emptied by the PUBACK', async () => (await redis.llen(`fl:mqtt:outgoing:${device!.id}`)) === 0);

  // and acknowledged: a third session gets nothing
  await back.client.endAsync();
  const again = await connect(device!, mqttPortOf(second));
  await new Promise((r) => setTimeout(r, 1500));
  expect(again.received).toEqual([]);
  await again.client.endAsync();
}, 120_000);

it('delivers a command to the device whichever process holds it, and a session moving between processes keeps the device online', async () => {
  const [, onA, onB] = devices;
  const a = await startIngest();
  const b = await startIngest();
  const deviceA = await connect(onA!, mqttPortOf(a));
  const deviceB = await connect(onB!, mqttPortOf(b));
  await deviceA.client.subscribeAsync(`fieldline/v1/${onA!.id}/cmd`, { qos: 1 });
  await deviceB.client.subscribeAsync(`fieldline/v1/${onB!.id}/cmd`, { qos: 1 });
  await downlinkConsumerReady();

  // Both on one partition: one process hands both over, so one of the two devices is on another process.
  const [forA, forB] = await issueCommands([onA!.id, onB!.id], 0);
  // (a process of the group killed by the first test holds its partitions until its session times out)
  await until('both commands delivered', () => deviceA.received.length > 0 && deviceB.received.length > 0, 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  expect(deviceA.received).toEqual([expect.objectContaining({ id: forA })]);
  expect(deviceB.received).toEqual([expect.objectContaining({ id: forB })]);
  // one process took both (one partition), so at least one device got its command through another process
  const [handlerA, handlerB] = [await handlerOf(forA!), await handlerOf(forB!)];
  expect({ sameHandler: handlerA === handlerB, crossed: handlerA !== a.nodeId || handlerB !== b.nodeId }).toEqual({ sameHandler: true, crossed: true });

  // The device on A reconnects to B (as behind a load balancer): B takes the session over, A closes its
  // old one — the device stays online throughout, and goes offline once when it leaves B.
  const presence = kafka.consumer({ groupId: `e2e-shared-presence-${randomUUID()}` });
  const seen: FieldlineEvent[] = [];
  await presence.connect();
  await presence.subscribe({ topic: topics.presence.name, fromBeginning: true });
  void presence.run({
    eachMessage: async ({ message }) => {
      const parsed = message.key?.toString() === onA!.id && message.value ? parseEvent(message.value) : undefined;
      if (parsed?.ok) seen.push(parsed.event);
    },
  });
  await until('the first connect reported', () => seen.some((e) => e.type === 'presence.device_connected'), 30_000);
  const moved = await connect(onA!, mqttPortOf(b));
  await until('A closed the old session', () => deviceA.client.disconnected || !deviceA.client.connected);
  await new Promise((r) => setTimeout(r, 2000));
  await moved.client.endAsync();
  await until('the device reported offline', () => seen.some((e) => e.type === 'presence.device_disconnected'));
  await new Promise((r) => setTimeout(r, 1000));
  await presence.disconnect();
  expect(seen.map((e) => e.type)).toEqual(['presence.device_connected', 'presence.device_disconnected']);
}, 120_000);

it('runs INGEST_PROCESSES processes on one MQTT port, handing the connections to each in turn', async () => {
  // debug: each publish is logged by the process that handled it (pid in every line)
  const cluster = await startIngest({ INGEST_PROCESSES: '2', INGEST_NODE_ID: `e2e-cluster-${randomUUID().slice(0, 6)}`, LOG_LEVEL: 'debug' });
  const workers = () => new Set(cluster.lines.map(tryParse).filter((r) => r?.event === 'app.listening').map((r) => r!.pid));
  await until('both processes listening', () => workers().size === 2, 45_000);
  const port = mqttPortOf(cluster);
  const [device] = devices;
  for (const n of [0, 1, 2, 3]) {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `${device!.id}:spread-${n}`, username: device!.id, password: device!.secret, reconnectPeriod: 0 });
    clients.push(client);
    await client.publishAsync(`fieldline/v1/${device!.id}/location`, JSON.stringify({ lat: 52.5, lon: 13.4, id: `spread-${n}` }), { qos: 1 });
  }
  const handledBy = () => cluster.lines.map(tryParse).filter((r) => r?.context === 'mqtt.publish' && r.deviceId === device!.id).map((r) => r!.pid);
  await until('four publishes logged', () => handledBy().length >= 4);
  expect(handledBy()).toHaveLength(4);
  expect(new Set(handledBy())).toEqual(workers());

  // a command reaches a device on either process
  const held = await connect(devices[1]!, port);
  await held.client.subscribeAsync(`fieldline/v1/${devices[1]!.id}/cmd`, { qos: 1 });
  await downlinkConsumerReady();
  const [commandId] = await issueCommands([devices[1]!.id]);
  await until('the command delivered', () => held.received.length > 0, 60_000);
  expect(held.received).toEqual([expect.objectContaining({ id: commandId })]);
}, 120_000);

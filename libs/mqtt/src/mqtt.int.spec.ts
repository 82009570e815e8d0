import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { MQTT_WS_PATH, MqttBrokerService, type MqttHooks } from './mqtt-broker.service';

// The embedded aedes broker with real peers: mqtt.js over TCP and WebSocket, and Debian's
// mosquitto_pub / mosquitto_sub (mosquitto-clients, installed by `npm test`).

const run = promisify(execFile);
let broker: MqttBrokerService;
const clients: MqttClient[] = [];

// This suite tests transport, not policy: every client may do everything.
const allowAll: MqttHooks = {
  authenticate: (_client, _user, _password, done) => done(null, true),
  authorizePublish: (_client, _packet, done) => done(null),
  authorizeSubscribe: (_client, subscription, done) => done(null, subscription),
};

beforeAll(async () => {
  broker = new MqttBrokerService({ host: '127.0.0.1', port: 0, wsPort: 0, logger: pino({ level: 'silent' }), hooks: allowAll });
  await broker.onModuleInit();
  await broker.onApplicationBootstrap();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker.onApplicationShutdown();
});

async function connect(url: string, clientId: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, protocolVersion: 4 });
  clients.push(client);
  return client;
}
const nextMessage = (client: MqttClient) =>
  new Promise<{ topic: string; payload: string }>((resolve) =>
    client.once('message', (topic, payload) => resolve({ topic, payload: payload.toString() })),
  );

it('delivers a QoS 1 publish from mosquitto_pub to an mqtt.js subscriber', async () => {
  const sub = await connect(`mqtt://127.0.0.1:${broker.tcpPort}`, 'it-sub-1');
  await sub.subscribeAsync('fieldline/it/+/location', { qos: 1 });
  const received = nextMessage(sub);
  await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.tcpPort), '-q', '1', '-i', 'it-pub-1', '-t', 'fieldline/it/dev-1/location', '-m', '{"lat":52.5,"lon":13.4}']);
  await expect(received).resolves.toEqual({ topic: 'fieldline/it/dev-1/location', payload: '{"lat":52.5,"lon":13.4}' });
});

it('delivers an mqtt.js publish to mosquitto_sub', async () => {
  // Publish only once the broker has mosquitto_sub's subscription.
  const subscribed = new Promise<void>((resolve) =>
    broker.broker.on('subscribe', (subs) => subs.some((s) => s.topic === 'fieldline/it/cmd') && resolve()),
  );
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.tcpPort), '-i', 'it-sub-2', '-t', 'fieldline/it/cmd', '-q', '1', '-C', '1', '-v']);
  let output = '';
  sub.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await subscribed;
  const pub = await connect(`mqtt://127.0.0.1:${broker.tcpPort}`, 'it-pub-2');
  await pub.publishAsync('fieldline/it/cmd', 'reboot', { qos: 1 });
  const [code] = await once(sub, 'exit');
  expect(code).toBe(0);
  expect(output.trim()).toBe('fieldline/it/cmd reboot');
});

it('serves MQTT over WebSocket at /mqtt, bridged with TCP clients', async () => {
  const ws = await connect(`ws://127.0.0.1:${broker.wsPort}${MQTT_WS_PATH}`, 'it-ws');
  await ws.subscribeAsync('fieldline/it/ws', { qos: 1 });
  const received = nextMessage(ws);
  const tcp = await connect(`mqtt://127.0.0.1:${broker.tcpPort}`, 'it-tcp');
  await tcp.publishAsync('fieldline/it/ws', 'over websocket', { qos: 1 });
  await expect(received).resolves.toEqual({ topic: 'fieldline/it/ws', payload: 'over websocket' });
});

it('reports its listeners and clients for readiness', () => {
  expect(broker.status()).toEqual({ listening: true, clients: expect.any(Number) });
});

it('refuses every connection while no hooks are installed (never aedes\' allow-all defaults)', async () => {
  const bare = new MqttBrokerService({ host: '127.0.0.1', port: 0, wsPort: 0, logger: pino({ level: 'silent' }) });
  await bare.onModuleInit();
  await bare.onApplicationBootstrap();
  try {
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${bare.tcpPort}`, { clientId: 'it-bare', reconnectPeriod: 0 })).rejects.toThrow(/unavailable|not authorized/i);
  } finally {
    await bare.onApplicationShutdown();
  }
});

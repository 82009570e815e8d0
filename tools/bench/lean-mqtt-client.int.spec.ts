import { createServer, type Server } from 'node:net';
import { Aedes, type PublishPacket } from 'aedes';
import { LeanMqttClient } from './lean-mqtt-client';

// The bench's load client against a real aedes broker on loopback.
describe('LeanMqttClient', () => {
  let broker: Aedes;
  let server: Server;
  let port: number;
  const received: PublishPacket[] = [];
  let holdAcks: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    broker = await Aedes.createBroker({
      authenticate: (_client, username, password, done) => done(null, username === 'dev-1' && password?.toString() === 's3cret'),
      authorizePublish: (_client, packet, done) => void holdAcks.then(() => (received.push(packet), done(null))),
    });
    server = createServer((socket) => broker.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    holdAcks = Promise.resolve();
  });

  const options = { clientId: 'dev-1', username: 'dev-1', password: 's3cret', keepalive: 60 };

  it('publishes at QoS 1 and reports each publish only on its PUBACK', async () => {
    const client = await LeanMqttClient.connect(port, '127.0.0.1', options);
    let release!: () => void;
    holdAcks = new Promise((resolve) => (release = resolve));
    let acked = false;
    const publish = client.publishAsync('fieldline/v1/dev-1/location', '{"lat":52.5,"lon":13.4}').then(() => (acked = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(acked).toBe(false); // the broker has not authorized it yet, so no PUBACK
    release();
    await publish;
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ topic: 'fieldline/v1/dev-1/location', qos: 1 });
    expect(received[0]!.payload.toString()).toBe('{"lat":52.5,"lon":13.4}');
    await client.end();
  });

  it('keeps thousands of publishes in flight on one connection, each acked once', async () => {
    const client = await LeanMqttClient.connect(port, '127.0.0.1', options);
    const payloads = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(i % 200) }));
    await Promise.all(payloads.map((p) => client.publishAsync('fieldline/v1/dev-1/location', p)));
    expect(received.map((p) => p.payload.toString()).sort()).toEqual([...payloads].sort());
    await client.end();
  });

  it('rejects the connection when the broker refuses the credentials', async () => {
    await expect(LeanMqttClient.connect(port, '127.0.0.1', { ...options, password: 'wrong' })).rejects.toThrow('CONNACK refused with return code 5') // aedes: not authorized;
  });

  it('fails publishes still in flight when the connection closes', async () => {
    const client = await LeanMqttClient.connect(port, '127.0.0.1', options);
    holdAcks = new Promise(() => undefined); // never authorized: no PUBACK comes
    const publish = client.publishAsync('fieldline/v1/dev-1/location', '{}');
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const c of Object.values((broker as unknown as { clients: Record<string, { close(): void }> }).clients)) c.close();
    await expect(publish).rejects.toThrow('connection closed');
    await client.end();
  });
});

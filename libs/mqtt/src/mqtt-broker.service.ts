import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Aedes, type AedesOptions } from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';

export const MQTT_OPTIONS = Symbol('MQTT_OPTIONS');

/** The aedes hooks an app plugs in (authenticate, authorizePublish, published …). */
export type MqttHooks = Pick<
  AedesOptions,
  'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward' | 'published'
>;

export interface MqttOptions {
  host: string;
  port: number;
  wsPort: number;
  logger: Logger;
  hooks?: MqttHooks;
  /** Broker-side limits: longest accepted keepalive (s), per-client outgoing queue. */
  keepaliveLimit?: number;
  queueLimit?: number;
  /** The largest packet accepted (fixed header excluded); a connection announcing a larger one is closed. */
  maxPacketBytes?: number;
}

export const MQTT_WS_PATH = '/mqtt';

/**
 * The embedded MQTT broker (aedes) on TCP and on WebSocket (/mqtt, the path browsers and the OwnTracks
 * app use). The broker exists after module init, so the app can install its hooks (`use`); listeners
 * open at application bootstrap, after every module is initialised. Until hooks are installed every
 * connection is refused: nothing ever runs with aedes' allow-all defaults.
 */
@Injectable()
export class MqttBrokerService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  broker!: Aedes;
  private hooks: MqttHooks | undefined;
  private tcp?: Server;
  private http?: HttpServer;
  private wss?: WebSocketServer;

  constructor(@Inject(MQTT_OPTIONS) private readonly options: MqttOptions) {}

  /** Installs the app's authentication and authorization (replacing the deny-all default). */
  use(hooks: MqttHooks): void {
    this.hooks = hooks;
  }

  async onModuleInit(): Promise<void> {
    const { keepaliveLimit = 3600, queueLimit = 100 } = this.options;
    if (this.options.hooks) this.hooks = this.options.hooks;
    const denied = () => Object.assign(new Error('broker not ready'), { returnCode: 3 as const });
    this.broker = await Aedes.createBroker({
      keepaliveLimit,
      queueLimit,
      preConnect: (client, packet, done) => (this.hooks?.preConnect ? this.hooks.preConnect(client, packet, done) : done(null, true)),
      authenticate: (client, username, password, done) =>
        this.hooks?.authenticate ? this.hooks.authenticate(client, username, password, done) : done(denied(), false),
      authorizePublish: (client, packet, done) =>
        this.hooks?.authorizePublish ? this.hooks.authorizePublish(client, packet, done) : done(new Error('not authorized')),
      authorizeSubscribe: (client, subscription, done) =>
        this.hooks?.authorizeSubscribe ? this.hooks.authorizeSubscribe(client, subscription, done) : done(null, null),
      authorizeForward: (client, packet) => (this.hooks?.authorizeForward ? this.hooks.authorizeForward(client, packet) : packet),
      published: (packet, client, done) => (this.hooks?.published ? this.hooks.published(packet, client, done) : done()),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const { logger } = this.options;
    this.broker.on('clientError', (client, error) =>
      logger.debug({ context: 'mqtt', clientId: client.id, err: error.message }, 'MQTT client error'),
    );
    this.broker.on('connectionError', (client, error) =>
      logger.debug({ context: 'mqtt', clientId: client?.id, err: error.message }, 'MQTT connection error'),
    );

    const maxPacketBytes = this.options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
    this.tcp = createServer((socket) => {
      this.broker.handle(socket);
      limitPacketSize(socket, maxPacketBytes);
    });
    this.tcp.listen(this.options.port, this.options.host);
    await once(this.tcp, 'listening');

    this.http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n'));
    // a WebSocket message may carry many packets (mqtt.js in a browser joins a backlog into one): bound
    // the message loosely, each packet by limitPacketSize
    this.wss = new WebSocketServer({ server: this.http, path: MQTT_WS_PATH, maxPayload: Math.max(16 * 1024 * 1024, maxPacketBytes + 5) });
    this.wss.on('connection', (ws, request) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate()); // a broken socket is the client's problem, not the broker's
      this.broker.handle(stream, request);
      limitPacketSize(stream, maxPacketBytes);
    });
    this.http.listen(this.options.wsPort, this.options.host);
    await once(this.http, 'listening');
    logger.info({ context: 'mqtt', tcp: this.tcpPort, ws: this.wsPort }, 'MQTT broker listening');
  }

  get tcpPort(): number {
    return (this.tcp?.address() as AddressInfo | null)?.port ?? 0;
  }

  get wsPort(): number {
    return (this.http?.address() as AddressInfo | null)?.port ?? 0;
  }

  status(): { listening: boolean; clients: number } {
    return { listening: Boolean(this.tcp?.listening && this.http?.listening && !this.broker?.closed), clients: this.broker?.connectedClients ?? 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    // Stop accepting first, then close the broker (which disconnects its clients).
    this.wss?.clients.forEach((ws) => ws.terminate());
    await Promise.all([
      new Promise<void>((resolve) => (this.tcp?.listening ? this.tcp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.http?.listening ? this.http.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.broker && !this.broker.closed ? this.broker.close(() => resolve()) : resolve())),
    ]);
  }
}

/** Above INGEST_MAX_PAYLOAD_BYTES' ceiling (1,000,000), so an oversized payload is still dead-lettered, not cut off. */
const DEFAULT_MAX_PACKET_BYTES = 2 * 1024 * 1024;

/**
 * aedes has no packet size limit: it buffers whatever remaining length a fixed header announces (up to
 * 256 MiB), even before CONNECT, for up to its 30 s connect timeout. This follows the packet boundaries
 * in what aedes reads (a `data` listener beside its `readable` one sees each chunk as aedes reads it,
 * without changing the flow) and destroys the connection at a header announcing more than `max`.
 */
function limitPacketSize(stream: Duplex, max: number): void {
  let header: number[] = []; // the packet type byte and the length bytes read so far
  let body = 0; // bytes of the current packet's body still to come
  stream.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; ) {
      if (body > 0) {
        const n = Math.min(body, chunk.length - i);
        body -= n;
        i += n;
        continue;
      }
      header.push(chunk[i++]!);
      if (header.length === 1 || (header.at(-1)! & 0x80 && header.length < 5)) continue;
      let length = 0;
      for (let k = header.length - 1; k >= 1; k--) length = length * 128 + (header[k]! & 0x7f);
      if (length > max || header.at(-1)! & 0x80) {
        stream.destroy(); // aedes sees the close and drops the client
        return;
      }
      header = [];
      body = length;
    }
  });
}

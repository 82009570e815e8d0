import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type PeerCertificate, TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { TlsFiles } from '#libs/platform';
import { type MqttSessions, sessionStores, type SessionStores } from './mqtt-sessions';

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
  /** MQTT over TLS on `port` and over secure WebSocket on `wssPort`; `clientCertificates`: ask devices for one (mutual TLS). */
  tls?: { files: TlsFiles; port: number; wssPort: number; clientCertificates: boolean };
  /** false: no plaintext listeners (`port`, `wsPort` unused). Default true. */
  plaintext?: boolean;
  /** Sessions in this process's memory (the default) or shared by every process through Redis. */
  sessions?: MqttSessions;
}

/**
 * The certificate a device presented over TLS and the handshake verified against the device CA; the
 * caller still checks that it was issued to this device and is not revoked.
 */
export function verifiedPeerCertificate(client: { conn?: unknown; req?: IncomingMessage }): PeerCertificate | undefined {
  const socket = client.conn instanceof TLSSocket ? client.conn : client.req?.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  return certificate && Object.keys(certificate).length > 0 ? certificate : undefined;
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
  /** Every listener: TCP and WebSocket, plaintext and TLS, as configured. */
  private readonly servers: { kind: 'tcp' | 'ws' | 'tls' | 'wss'; server: Server }[] = [];
  private readonly sockets: WebSocketServer[] = [];
  private readonly unfollow: (() => void)[] = [];
  private stores?: SessionStores;

  constructor(@Inject(MQTT_OPTIONS) private readonly options: MqttOptions) {}

  /** Installs the app's authentication and authorization (replacing the deny-all default). */
  use(hooks: MqttHooks): void {
    this.hooks = hooks;
  }

  async onModuleInit(): Promise<void> {
    const { keepaliveLimit = 3600, queueLimit = 100 } = this.options;
    if (this.options.hooks) this.hooks = this.options.hooks;
    const denied = () => Object.assign(new Error('broker not ready'), { returnCode: 3 as const });
    this.stores = sessionStores(this.options.sessions ?? { kind: 'memory' }, this.options.logger);
    this.broker = await Aedes.createBroker({
      keepaliveLimit,
      queueLimit,
      ...(this.stores.persistence ? { persistence: this.stores.persistence, mq: this.stores.mq } : {}),
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
    const onSocket = (socket: Socket) => {
      this.broker.handle(socket);
      limitPacketSize(socket, maxPacketBytes);
    };
    const upgradeOnly: RequestListener = (_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
    const { tls, plaintext = true, host } = this.options;
    if (plaintext) {
      await this.listen('tcp', createServer(onSocket), this.options.port);
      await this.listen('ws', this.withWebSocket(createHttpServer(upgradeOnly), maxPacketBytes), this.options.wsPort);
    }
    if (tls) {
      // A device certificate is asked for, never required: devices with a password connect over TLS too.
      // An unverified one is not refused here but never authenticates (verifiedPeerCertificate).
      const options = { ...tls.files.options, requestCert: tls.clientCertificates, rejectUnauthorized: false };
      const secure = createTlsServer(options, onSocket);
      secure.on('tlsClientError', (error) => logger.debug({ context: 'mqtt', err: error.message }, 'TLS handshake failed'));
      await this.listen('tls', secure, tls.port);
      const secureWs = createHttpsServer(options, upgradeOnly);
      await this.listen('wss', this.withWebSocket(secureWs, maxPacketBytes), tls.wssPort);
      this.unfollow.push(tls.files.follow(secure), tls.files.follow(secureWs));
    }
    logger.info({ context: 'mqtt', host, ...Object.fromEntries(this.servers.map(({ kind }) => [kind, this.portOf(kind)])) }, 'MQTT broker listening');
  }

  /** MQTT over WebSocket at /mqtt on an HTTP(S) server. */
  private withWebSocket(http: HttpServer, maxPacketBytes: number): HttpServer {
    // a WebSocket message may carry many packets (mqtt.js in a browser joins a backlog into one): bound
    // the message loosely, each packet by limitPacketSize
    const wss = new WebSocketServer({ server: http, path: MQTT_WS_PATH, maxPayload: Math.max(16 * 1024 * 1024, maxPacketBytes + 5) });
    wss.on('connection', (ws, request) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate()); // a broken socket is the client's problem, not the broker's
      this.broker.handle(stream, request);
      limitPacketSize(stream, maxPacketBytes);
    });
    this.sockets.push(wss);
    return http;
  }

  private async listen(kind: 'tcp' | 'ws' | 'tls' | 'wss', server: Server, port: number): Promise<void> {
    server.listen(port, this.options.host);
    await once(server, 'listening');
    this.servers.push({ kind, server });
  }

  private portOf(kind: 'tcp' | 'ws' | 'tls' | 'wss'): number {
    return (this.servers.find((s) => s.kind === kind)?.server.address() as AddressInfo | null)?.port ?? 0;
  }

  get tcpPort(): number {
    return this.portOf('tcp');
  }

  get wsPort(): number {
    return this.portOf('ws');
  }

  get tlsPort(): number {
    return this.portOf('tls');
  }

  get wssPort(): number {
    return this.portOf('wss');
  }

  /** This broker among the processes sharing sessions (aedes' id, new at every start). */
  get brokerId(): string {
    return this.broker.id;
  }

  /** The connected clients (aedes keeps them by client id; its types do not declare the map). */
  clients(): Client[] {
    return Object.values((this.broker as unknown as { clients: Record<string, Client> }).clients);
  }

  status(): { listening: boolean; clients: number } {
    const listening = this.servers.length > 0 && this.servers.every(({ server }) => server.listening);
    return { listening: listening && !this.broker?.closed, clients: this.broker?.connectedClients ?? 0 };
  }

  async onApplicationShutdown(): Promise<void> {
    // Stop accepting first, then close the broker (which disconnects its clients).
    for (const stop of this.unfollow) stop();
    for (const wss of this.sockets) wss.clients.forEach((ws) => ws.terminate());
    await Promise.all([
      ...this.servers.map(({ server }) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))),
      new Promise<void>((resolve) => (this.broker && !this.broker.closed ? this.broker.close(() => resolve()) : resolve())),
    ]);
    await this.stores?.close();
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

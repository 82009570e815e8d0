import type { IncomingMessage } from 'node:http';
import { type ArgumentMetadata, type ArgumentsHost, Catch, type ExceptionFilter, Inject, type OnApplicationShutdown, UseFilters, UsePipes, ValidationPipe } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
} from '@nestjs/websockets';
import type { Counter } from 'prom-client';
import type { WebSocket, WebSocketServer } from 'ws';
import { LiveStateStore } from '#libs/live';
import { AccessTokenVerifier, accessTokenOf, Clock, isRefusal, Metrics, type TokenVerdict } from '#libs/platform';
import { type ClientFrames, CloseCodes } from '#libs/realtime-client';
import { ChatRefusal, ChatService } from '../chat/chat.service';
import { Connection } from '../connection/connection';
import { FeedHub } from '../feed/feed.hub';
import { PresenceService } from '../presence/presence.service';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';
import { AuthDto, ChatJobDto, ChatReceiptDto, ChatSendDto, PresenceDto, SubscribeDto, ViewportChangeDto } from './realtime.dto';

const KNOWN_EVENTS = new Set<keyof ClientFrames>(['subscribe', 'viewport', 'auth', 'presence', 'chat.send', 'chat.typing', 'chat.delivered', 'chat.read']);

/** Admission at the HTTP upgrade, set by the gateway once it knows its limits (ws calls it before the handshake). */
let admit: () => boolean = () => true;

/** Every refusal of a frame is an `error` frame with a code, never a dropped socket. */
@Catch()
class ErrorFrameFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const socket = host.switchToWs().getClient<WebSocket>();
    const error = exception instanceof WsException ? (exception.getError() as { code: string; message: string }) : exception instanceof ChatRefusal ? { code: exception.code, message: exception.message } : { code: 'INTERNAL', message: 'the request failed; try again' };
    if (socket.readyState === 1) socket.send(JSON.stringify({ event: 'error', data: error }));
  }
}

/** No frame is nested deeper than this (a subscribe's viewport is 3); class-transformer recurses and overflows the stack far below 64 KiB of brackets. */
const MAX_DEPTH = 8;
const nestedDeeperThan = (value: unknown, depth: number): boolean =>
  typeof value === 'object' && value !== null && (depth === 0 || Object.values(value).some((v) => nestedDeeperThan(v, depth - 1)));

/** Frames are validated only once they are known to be shallow (one too deep was answered INTERNAL). */
class FrameValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.metatype && this.toValidate(metadata) && nestedDeeperThan(value, MAX_DEPTH)) throw new WsException({ code: 'INVALID_MESSAGE', message: `data is nested deeper than ${MAX_DEPTH} levels` });
    return super.transform(value, metadata);
  }
}

const validation = new FrameValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: (errors) =>
    new WsException({ code: 'INVALID_MESSAGE', message: errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` })).join('; ') }),
});

/**
 * The WebSocket endpoint (/ws, plain WebSocket via `ws`). Authenticated at the handshake with the
 * API's access token; every frame validated; fan-out from the tenant feed (FeedHub), presence across
 * nodes (PresenceService), job chat (ChatService). Heartbeats cull dead sockets; a per-node bound
 * refuses upgrades with 503 and Retry-After when the node is full.
 */
@WebSocketGateway({
  path: '/ws',
  perMessageDeflate: false,
  // The largest legitimate frame is a chat text of 4,000 characters (~25 KB escaped); ws' default of
  // 100 MiB let one socket make the node buffer and parse 100 MiB per frame. Past this: close 1009.
  maxPayload: 64 * 1024,
  verifyClient: (_info: unknown, done: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void) =>
    admit() ? done(true) : done(false, 503, 'overloaded', { 'Retry-After': String(2 + Math.floor(Math.random() * 8)) }),
})
@UseFilters(ErrorFrameFilter)
@UsePipes(validation)
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown {
  private readonly connections = new Map<WebSocket, Connection>();
  private readonly expiry = new Map<Connection, NodeJS.Timeout>();
  private timers: NodeJS.Timeout[] = [];

  private readonly closes: Counter<'reason'>;

  constructor(
    private readonly tokens: AccessTokenVerifier,
    private readonly hub: FeedHub,
    private readonly presence: PresenceService,
    private readonly chat: ChatService,
    private readonly live: LiveStateStore,
    private readonly clock: Clock,
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
    metrics: Metrics,
  ) {
    admit = () => this.connections.size < this.options.maxConnections;
    this.closes = metrics.counter({ name: 'fieldline_realtime_closes_total', help: 'WebSocket closes by reason (slow_consumer, unauthorized, overloaded, going_away, normal, abnormal, other)', labelNames: ['reason'] as const });
  }

  afterInit(server: WebSocketServer): void {
    // Which node took the socket (with REALTIME_PROCESSES, which process): for operators and tests.
    server.on('headers', (headers: string[]) => headers.push(`Fieldline-Node: ${this.options.nodeId}`));
    this.options.logger.info({ event: 'realtime.node', nodeId: this.options.nodeId }, `realtime node ${this.options.nodeId}`);
    this.presence.onChange((tenantId, frame) => {
      for (const c of this.hub.connectionsOf(tenantId)) {
        if (c.streams.has('presence') && (c.caller.role !== 'technician' || frame.userId === c.caller.userId)) c.send('presence', frame);
      }
    });
    this.hub.onEntry((tenantId, entry) => {
      if (entry.kind === 'presence' && entry.technicianId) void this.presence.deviceChanged(tenantId, entry.technicianId).catch(() => undefined);
    });
    this.chat.onTyping((tenantId, typing) => {
      for (const c of this.hub.connectionsOf(tenantId)) {
        if (c.streams.has('chat') && c.caller.userId !== typing.userId) void this.maySeeJob(c, typing.jobId).then((ok) => ok && c.send('typing', typing));
      }
    });
    this.timers.push(setInterval(() => this.heartbeat(), this.options.heartbeatMs));
    this.timers.push(setInterval(() => this.connections.forEach((c) => c.congested && c.flush()), 25));
    this.timers.forEach((t) => t.unref());
  }

  // Synchronous up to the registration (unless the token names a key not yet loaded): frames sent
  // right after the upgrade find their connection.
  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const pending = this.tokens.verify(accessTokenOf(request));
    const caller: TokenVerdict = pending instanceof Promise ? await pending : pending;
    if (isRefusal(caller)) {
      socket.close(CloseCodes.unauthorized, caller.message);
      return;
    }
    const limits = { highWaterBytes: this.options.highWaterBytes, maxQueued: this.options.maxQueued };
    const connection = new Connection(socket, caller.caller, limits, this.clock.now().getTime());
    this.connections.set(socket, connection);
    connection.onCongestion = (bytes) =>
      this.options.logger.info({ context: 'gateway', connection: connection.id, userId: caller.caller.userId, bufferedBytes: bytes }, 'socket congested: coalescing locations, queueing the rest');
    socket.on('close', (code: number) => {
      this.closes.inc({ reason: closeReason(code) });
      if (code === CloseCodes.slowConsumer) this.options.logger.warn({ context: 'gateway', connection: connection.id, userId: caller.caller.userId }, 'closed a slow consumer');
    });
    this.expireAt(connection, caller.expiresAt);
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (raw: Buffer) => this.screen(connection, raw));
    await this.presence.connected(connection).catch(() => undefined);
  }

  async handleDisconnect(socket: WebSocket): Promise<void> {
    const connection = this.connections.get(socket);
    if (!connection) return;
    this.connections.delete(socket);
    clearTimeout(this.expiry.get(connection));
    this.expiry.delete(connection);
    this.hub.unfollow(connection);
    await this.presence.disconnected(connection).catch(() => undefined);
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() body: SubscribeDto): Promise<void> {
    const c = this.connection(socket);
    c.streams = new Set(body.streams);
    c.viewport = body.viewport ? { ...body.viewport } : null;
    const followed = await this.hub.follow(c, body.after);
    if (followed === 'gap') {
      c.send('reload', { reason: 'gap' });
      return;
    }
    c.send('subscribed', { feedId: followed.feedId, resumed: body.after !== undefined });
    if (c.streams.has('presence')) {
      const items = await this.presence.snapshot(c.caller.tenantId);
      c.send('presence.snapshot', { items: c.caller.role === 'technician' ? items.filter((p) => p.userId === c.caller.userId) : items });
    }
  }

  @SubscribeMessage('viewport')
  async viewport(@ConnectedSocket() socket: WebSocket, @MessageBody() body: ViewportChangeDto): Promise<void> {
    const c = this.connection(socket);
    c.viewport = body.viewport ? { ...body.viewport } : null;
    this.hub.moved(c);
    const positions = await this.live.positions(c.caller.tenantId);
    const visible = positions.filter((p) => c.wants({ id: '0-0', kind: 'location', type: 'telemetry.location_reported', subjectId: p.subjectId, data: p }));
    c.send('positions', { items: visible });
  }

  @SubscribeMessage('auth')
  async auth(@ConnectedSocket() socket: WebSocket, @MessageBody() body: AuthDto): Promise<void> {
    const c = this.connection(socket);
    const renewed = await this.tokens.verify(body.token);
    if (isRefusal(renewed) || renewed.caller.userId !== c.caller.userId || renewed.caller.tenantId !== c.caller.tenantId) {
      throw new WsException({ code: 'UNAUTHORIZED', message: isRefusal(renewed) ? renewed.message : 'the token is for another user' });
    }
    c.caller = renewed.caller;
    this.hub.moved(c);
    this.expireAt(c, renewed.expiresAt);
    c.send('authenticated', { expiresAt: new Date(renewed.expiresAt).toISOString() });
  }

  @SubscribeMessage('presence')
  async activity(@ConnectedSocket() socket: WebSocket, @MessageBody() body: PresenceDto): Promise<void> {
    await this.presence.activity(this.connection(socket), body.state);
  }

  @SubscribeMessage('chat.send')
  async chatSend(@ConnectedSocket() socket: WebSocket, @MessageBody() body: ChatSendDto): Promise<void> {
    const c = this.connection(socket);
    const messageId = await this.chat.post(c.caller, body.jobId, body.text);
    c.send('chat.sent', { clientMessageId: body.clientMessageId, messageId });
  }

  @SubscribeMessage('chat.typing')
  async chatTyping(@ConnectedSocket() socket: WebSocket, @MessageBody() body: ChatJobDto): Promise<void> {
    await this.chat.typing(this.connection(socket).caller, body.jobId);
  }

  @SubscribeMessage('chat.delivered')
  async chatDelivered(@ConnectedSocket() socket: WebSocket, @MessageBody() body: ChatReceiptDto): Promise<void> {
    await this.chat.receipt(this.connection(socket).caller, 'delivered', body.jobId, body.messageId);
  }

  @SubscribeMessage('chat.read')
  async chatRead(@ConnectedSocket() socket: WebSocket, @MessageBody() body: ChatReceiptDto): Promise<void> {
    await this.chat.receipt(this.connection(socket).caller, 'read', body.jobId, body.messageId);
  }

  onApplicationShutdown(): void {
    this.timers.forEach(clearInterval);
    // Clients reconnect (to another node) and resume from their last id.
    for (const c of this.connections.values()) c.close(CloseCodes.goingAway, 'server shutting down; reconnect and resume');
  }

  private connection(socket: WebSocket): Connection {
    const c = this.connections.get(socket);
    if (!c) throw new WsException({ code: 'UNAUTHORIZED', message: 'not authenticated' });
    return c;
  }

  /** Frames Nest would drop silently (not JSON, unknown event) get an error frame. */
  private screen(connection: Connection, raw: Buffer): void {
    let event: unknown;
    try {
      event = (JSON.parse(raw.toString()) as { event?: unknown }).event;
    } catch {
      connection.send('error', { code: 'MALFORMED', message: 'frames are JSON: {"event": <name>, "data": {…}}' });
      return;
    }
    if (typeof event !== 'string' || !KNOWN_EVENTS.has(event as keyof ClientFrames)) {
      connection.send('error', { code: 'UNKNOWN_EVENT', message: `unknown event ${JSON.stringify(event)}; known: ${[...KNOWN_EVENTS].join(', ')}`, ...(typeof event === 'string' ? { ref: event } : {}) });
    }
  }

  private async maySeeJob(c: Connection, jobId: string): Promise<boolean> {
    if (c.caller.role !== 'technician') return true;
    return this.chat.technicianOf(c.caller, jobId).then(() => true, () => false);
  }

  private heartbeat(): void {
    for (const [socket, c] of this.connections) {
      if (!c.alive) {
        socket.terminate(); // missed a whole interval: half-open or gone
        continue;
      }
      c.alive = false;
      socket.ping();
    }
  }

  private expireAt(c: Connection, expiresAt: number): void {
    clearTimeout(this.expiry.get(c));
    // Not the app's Clock: tokens are issued and verified in the system's time, so
    // their expiry is counted down in it too (a shifted clock would close every socket at once).
    const timer = setTimeout(() => c.close(CloseCodes.unauthorized, 'token expired; send a fresh token in an auth frame before expiry, or reconnect with one'), Math.max(0, expiresAt - Date.now()));
    timer.unref();
    this.expiry.set(c, timer);
  }
}

const CLOSE_REASONS = new Map<number, string>([
  [CloseCodes.slowConsumer, 'slow_consumer'],
  [CloseCodes.unauthorized, 'unauthorized'],
  [CloseCodes.overloaded, 'overloaded'],
  [CloseCodes.goingAway, 'going_away'],
  [1000, 'normal'],
  [1006, 'abnormal'],
]);
/** A bounded label: clients choose their own close codes. */
const closeReason = (code: number) => CLOSE_REASONS.get(code) ?? 'other';

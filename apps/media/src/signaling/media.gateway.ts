import type { IncomingMessage } from 'node:http';
import { Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConnectedSocket, MessageBody, type OnGatewayConnection, type OnGatewayDisconnect, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { errors as mediasoupErrors } from 'mediasoup';
import type { WebSocket } from 'ws';
import { isDomainError } from '#libs/domain';
import { AccessTokenVerifier, accessTokenOf, isRefusal, type TokenVerdict } from '#libs/platform';
import { RedisService } from '#libs/redis';
import { type CreateCallDto, createInput } from '../calls/call.dto';
import { type Caller, CallsService, type Invite } from '../calls/calls.service';
import { RoomError } from '../engine/call-room';
import { MediaUnavailableError } from '../engine/worker-pool';
import { MEDIA_OPTIONS, type MediaOptions } from '../media.options';
import { methods, RequestFrame } from './signaling.dto';

interface Client {
  caller: Caller;
  /** Calls this socket joined: a dropped socket starts their rejoin grace. */
  calls: Set<string>;
}

/**
 * Call signaling on /media (plain WebSocket), with the API's access token like /ws. Requests are
 * `{event: "request", data: {id, method, params}}`, each validated; answers are `response` frames with
 * the same id (`ok` and `data`, or `error {code, message}`). The server pushes `call.invite` (on every
 * socket of each invited technician, on every media node), and the room's notifications.
 */
@WebSocketGateway({ path: '/media', perMessageDeflate: false })
export class MediaGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy {
  private readonly clients = new Map<WebSocket, Client>();
  private subscriber?: ReturnType<RedisService['subscriber']>;

  constructor(
    private readonly calls: CallsService,
    private readonly tokens: AccessTokenVerifier,
    private readonly redis: RedisService,
    @Inject(MEDIA_OPTIONS) private readonly options: MediaOptions,
  ) {}

  onModuleInit(): void {
    this.subscriber = this.redis.subscriber('call-invites');
    this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const tenantId = /fl:\{(.+)\}:call-invites$/.exec(channel)?.[1];
      if (tenantId) this.ring(tenantId, JSON.parse(message) as Invite);
    });
    // Not awaited: the app starts (and says it is not ready) while Redis is away; ioredis subscribes once it is back.
    this.subscriber.psubscribe(`${this.redis.client.options.keyPrefix ?? ''}fl:{*}:call-invites`).catch((error: Error) =>
      this.options.logger.warn({ context: 'signaling', err: error.message }, 'call invitations not subscribed yet; retrying with the Redis connection'),
    );
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
  }

  // Synchronous up to the registration when the token's key is known: frames sent right after the upgrade find their client.
  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const pending = this.tokens.verify(accessTokenOf(request));
    const verified: TokenVerdict = pending instanceof Promise ? await pending : pending;
    if (isRefusal(verified)) {
      socket.close(4001, verified.message);
      return;
    }
    this.clients.set(socket, { caller: verified.caller, calls: new Set() });
    // Frames Nest would drop silently (not JSON, another event) get an error frame.
    socket.on('message', (raw: Buffer) => {
      let event: unknown;
      try {
        event = (JSON.parse(raw.toString()) as { event?: unknown }).event;
      } catch {
        event = undefined;
      }
      if (event !== 'request') socket.send(JSON.stringify({ event: 'error', data: { code: 'MALFORMED', message: 'frames are JSON: {"event": "request", "data": {"id", "method", "params"}}' } }));
    });
    // Real time, not the Clock: the token's exp was stamped and is verified against the real clock.
    const expiry = setTimeout(() => socket.close(4001, 'token expired; reconnect with a fresh one (the call keeps your place)'), Math.max(0, verified.expiresAt - Date.now()));
    expiry.unref();
    socket.once('close', () => clearTimeout(expiry));
  }

  handleDisconnect(socket: WebSocket): void {
    const client = this.clients.get(socket);
    this.clients.delete(socket);
    for (const callId of client?.calls ?? []) this.calls.disconnected(client!.caller, callId);
  }

  @SubscribeMessage('request')
  async request(@ConnectedSocket() socket: WebSocket, @MessageBody() body: unknown): Promise<void> {
    const client = this.clients.get(socket);
    const id = typeof body === 'object' && body !== null && 'id' in body ? (body as { id: unknown }).id : undefined;
    const answer = (payload: Record<string, unknown>) => socket.readyState === 1 && socket.send(JSON.stringify({ event: 'response', data: { id, ...payload } }));
    if (!client) return void answer({ ok: false, error: { code: 'UNAUTHORIZED', message: 'not authenticated' } });
    try {
      const frame = await checked(RequestFrame, body);
      const params = await checked(methods[frame.method], frame.params ?? {});
      answer({ ok: true, data: (await this.handle(socket, client, frame.method, params as never)) ?? {} });
    } catch (error) {
      answer({ ok: false, error: errorOf(error, this.options) });
    }
  }

  private async handle(socket: WebSocket, client: Client, method: keyof typeof methods, p: Record<string, any>): Promise<unknown> {
    const { caller } = client;
    const notify = (event: string, data: Record<string, unknown>) => socket.readyState === 1 && socket.send(JSON.stringify({ event, data: { callId: p.callId, ...data } }));
    switch (method) {
      case 'create': {
        const { callId } = await this.calls.create(caller, createInput(p as CreateCallDto));
        return { callId };
      }
      case 'join': {
        const joined = await this.calls.join(caller, p.callId, notify);
        client.calls.add(p.callId);
        return joined;
      }
      case 'decline':
        return this.calls.decline(caller, p.callId);
      case 'leave':
        client.calls.delete(p.callId);
        return this.calls.leave(caller, p.callId);
      case 'end':
        return this.calls.end(caller, p.callId, p.reason);
      case 'createTransport':
        return this.calls.room(caller, p.callId).createTransport(caller.userId, p.direction);
      case 'connectTransport':
        return this.calls.room(caller, p.callId).connectTransport(caller.userId, p.transportId, p.dtlsParameters);
      case 'restartIce':
        return { iceParameters: await this.calls.room(caller, p.callId).restartIce(caller.userId, p.transportId) };
      case 'produce': {
        const producerId = await this.calls.room(caller, p.callId).produce(caller.userId, p.transportId, p.kind, p.rtpParameters);
        this.calls.recordProducer(caller, p.callId, producerId);
        return { producerId };
      }
      case 'consume':
        return this.calls.room(caller, p.callId).consume(caller.userId, p.producerId, p.rtpCapabilities);
      case 'resumeConsumer':
        return this.calls.room(caller, p.callId).resumeConsumer(caller.userId, p.consumerId);
      case 'mute':
        return this.calls.room(caller, p.callId).setPaused(caller.userId, p.producerId, p.muted);
      case 'takeFloor':
        return this.calls.takeFloor(caller, p.callId);
      case 'releaseFloor':
        return this.calls.giveFloor(caller, p.callId);
    }
  }

  /** Rings every socket on this node of each invited technician (their phone and their desk). */
  private ring(tenantId: string, invite: Invite): void {
    const frame = JSON.stringify({ event: 'call.invite', data: invite });
    for (const [socket, { caller }] of this.clients) {
      if (caller.tenantId === tenantId && caller.technicianId && invite.technicianIds.includes(caller.technicianId) && socket.readyState === 1) socket.send(frame);
    }
  }
}

async function checked<T extends object>(type: new () => T, value: unknown): Promise<T> {
  const instance = plainToInstance(type, value);
  const errors = await validate(instance as object, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    throw new RoomError('INVALID_REQUEST', errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: `${e.property} is invalid` })).join('; '));
  }
  return instance;
}

function errorOf(error: unknown, options: MediaOptions): { code: string; message: string } {
  if (isDomainError(error) || error instanceof RoomError) return { code: error.code, message: error.message };
  if (error instanceof MediaUnavailableError) return { code: 'MEDIA_UNAVAILABLE', message: error.message };
  // The worker died under the request: its calls end (WorkerPool → CallsService), and so does this one.
  if (error instanceof mediasoupErrors.WorkerClosedError) return { code: 'MEDIA_SERVER_FAILED', message: 'the media server failed; call again' };
  options.logger.error({ context: 'signaling', err: error }, 'signaling request failed');
  return { code: 'INTERNAL', message: 'the request failed; try again' };
}

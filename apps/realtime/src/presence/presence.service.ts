import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { keyFor, newEnvelope, type PresenceEventType, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import type { PresenceFrame } from '#libs/realtime-client';
import { liveKeys } from '#libs/live';
import { RedisService } from '#libs/redis';
import type { Connection } from '../connection/connection';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';

const presenceKeys = (tenantId: string) => ({
  /** Hash userId → current presence (JSON). */
  users: `fl:{${tenantId}}:users`,
  /** Hash connId → { node, expiresAt, activeAt } of one user's live connections. */
  connectionsOf: (userId: string) => `fl:{${tenantId}}:conns:${userId}`,
  /** Sorted set userId → when their state may next change by itself (a record expiring, going idle). */
  deadlines: `fl:{${tenantId}}:deadlines`,
  channel: `fl:{${tenantId}}:presence`,
  /** Hash technicianId → the user acting as that technician (learned when they connect). */
  technicianUsers: `fl:{${tenantId}}:techusers`,
});
/** Tenants with connections anywhere, for the sweep (an index, keyed by tenant ids). */
const TENANTS = 'fl:presence:tenants';

// Recomputes one user's presence from their connection records: expired ones are dropped, then
// online (an active connection), idle (connections, none active lately) or offline (none).
// Stores and publishes only a change, atomically, so several nodes evaluating at once tell it once.
// The user's next deadline (earliest record expiry, or going idle) goes to the deadlines set, so
// the sweep only evaluates users whose state may have changed by itself.
// A technician whose phone is connected over MQTT (KEYS[5], kept by the projector) is online too.
// KEYS: users, the user's connections, deadlines, channel, the technician's devices. ARGV: userId, nowMs, idleAfterMs, technicianId.
const EVALUATE = `
local conns = redis.call('HGETALL', KEYS[2])
local devices = redis.call('SCARD', KEYS[5])
local now = tonumber(ARGV[2])
local idleAfter = tonumber(ARGV[3])
local alive, active, lastSeen, lastActive, nextChange = 0, false, 0, 0, nil
for i = 1, #conns, 2 do
  local c = cjson.decode(conns[i + 1])
  if c.expiresAt < now then
    redis.call('HDEL', KEYS[2], conns[i])
  else
    alive = alive + 1
    if now - c.activeAt < idleAfter then active = true end
    if c.activeAt > lastActive then lastActive = c.activeAt end
    if not nextChange or c.expiresAt < nextChange then nextChange = c.expiresAt end
  end
  local seen = math.min(c.expiresAt, now)
  if seen > lastSeen then lastSeen = seen end
end
if alive == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  if active and lastActive + idleAfter < nextChange then nextChange = lastActive + idleAfter end
  redis.call('ZADD', KEYS[3], nextChange, ARGV[1])
end
local state = 'offline'
if alive > 0 then state = active and 'online' or 'idle' end
if alive == 0 and devices > 0 then state = 'online' end
local device = devices > 0
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held then
  local h = cjson.decode(held)
  if h.state == state and (h.device == true) == device then return false end
end
local doc = { userId = ARGV[1], state = state, device = device }
if ARGV[4] ~= '' then doc.technicianId = ARGV[4] end
if state == 'offline' then
  if lastSeen == 0 and held then lastSeen = cjson.decode(held).lastSeenMs or now end
  doc.lastSeenMs = lastSeen
end
local json = cjson.encode(doc)
redis.call('HSET', KEYS[1], ARGV[1], json)
redis.call('PUBLISH', KEYS[4], json)
return json
`;

interface PresenceDoc {
  userId: string;
  state: PresenceFrame['state'];
  device?: boolean;
  technicianId?: string;
  lastSeenMs?: number;
}

const toFrame = (doc: PresenceDoc): PresenceFrame => ({
  userId: doc.userId,
  state: doc.state,
  ...(doc.technicianId ? { technicianId: doc.technicianId, device: doc.device === true } : {}),
  ...(doc.lastSeenMs ? { lastSeenAt: new Date(doc.lastSeenMs).toISOString() } : {}),
});

const presenceEventOf: Record<PresenceFrame['state'], PresenceEventType> = {
  online: 'presence.user_online',
  idle: 'presence.user_idle',
  offline: 'presence.user_offline',
};

/**
 * Presence per user across all their connections on all nodes. Each connection is a record with
 * an expiry renewed by this node's heartbeat (one pipeline per beat); a crashed node stops renewing
 * and its connections expire within PRESENCE_TTL_S, which a sweep notices: each user has a deadline
 * (the earliest expiry or going idle) and only users past theirs are evaluated. Changes are published (Redis
 * pub/sub → every node's sockets) and sent to Kafka as presence events.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly local = new Map<string, Connection>();
  private subscriber?: Redis;
  private timer?: NodeJS.Timeout;
  private listener?: (tenantId: string, frame: PresenceFrame) => void;

  constructor(
    private readonly redis: RedisService,
    private readonly kafka: KafkaService,
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
  ) {
    this.redis.client.defineCommand('flPresence', { numberOfKeys: 5, lua: EVALUATE });
  }

  /** Where changes of any tenant go on this node (the gateway routes them to sockets). */
  onChange(listener: (tenantId: string, frame: PresenceFrame) => void): void {
    this.listener = listener;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscriber = this.redis.subscriber('presence');
    this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const tenantId = /^(?:.*)fl:\{(.+)\}:presence$/.exec(channel)?.[1];
      if (tenantId) this.listener?.(tenantId, toFrame(JSON.parse(message) as PresenceDoc));
    });
    await this.subscriber.psubscribe(`${this.redis.client.options.keyPrefix ?? ''}fl:{*}:presence`);
    const every = Math.max(1_000, (this.options.presenceTtlMs / 3) | 0);
    this.timer = setInterval(() => void this.beat().catch((error: unknown) => this.warn(error)), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A clean stop takes this node's connections out at once instead of waiting for their expiry.
    await Promise.allSettled([...this.local.values()].map((c) => this.disconnected(c)));
  }

  async connected(connection: Connection): Promise<void> {
    this.local.set(connection.id, connection);
    await this.redis.client.sadd(TENANTS, connection.caller.tenantId);
    const { tenantId, technicianId, userId } = connection.caller;
    if (technicianId) await this.redis.client.hset(presenceKeys(tenantId).technicianUsers, technicianId, userId);
    await this.renew(connection);
    await this.evaluate(connection.caller.tenantId, connection.caller.userId, connection.caller.technicianId);
  }

  async disconnected(connection: Connection): Promise<void> {
    this.local.delete(connection.id);
    await this.redis.client.hdel(presenceKeys(connection.caller.tenantId).connectionsOf(connection.caller.userId), connection.id);
    await this.evaluate(connection.caller.tenantId, connection.caller.userId, connection.caller.technicianId);
  }

  async activity(connection: Connection, state: 'active' | 'idle'): Promise<void> {
    connection.lastActivity = state === 'active' ? Date.now() : 0;
    await this.renew(connection);
    await this.evaluate(connection.caller.tenantId, connection.caller.userId, connection.caller.technicianId);
  }

  /** A technician's phone connected or went away (a device presence entry of the feed). */
  async deviceChanged(tenantId: string, technicianId: string): Promise<void> {
    const userId = await this.redis.client.hget(presenceKeys(tenantId).technicianUsers, technicianId);
    if (userId) await this.evaluate(tenantId, userId, technicianId);
  }

  async snapshot(tenantId: string): Promise<PresenceFrame[]> {
    const all = await this.redis.client.hgetall(presenceKeys(tenantId).users);
    return Object.values(all).map((v) => toFrame(JSON.parse(v) as PresenceDoc));
  }

  private async renew(...connections: Connection[]): Promise<void> {
    if (connections.length === 0) return;
    const expiresAt = Date.now() + this.options.presenceTtlMs;
    const pipeline = this.redis.client.pipeline(); // one round trip for every connection of this node
    for (const c of connections) {
      pipeline.hset(presenceKeys(c.caller.tenantId).connectionsOf(c.caller.userId), c.id, JSON.stringify({ node: this.options.nodeId, expiresAt, activeAt: c.lastActivity }));
    }
    await pipeline.exec();
  }

  /** Renews this node's connections, then evaluates the users whose deadline passed, in every tenant. */
  private async beat(): Promise<void> {
    await this.renew(...this.local.values());
    const now = Date.now();
    for (const tenantId of await this.redis.client.smembers(TENANTS)) {
      const keys = presenceKeys(tenantId);
      if ((await this.redis.client.zcard(keys.deadlines)) === 0) {
        await this.redis.client.srem(TENANTS, tenantId);
        continue;
      }
      const due = await this.redis.client.zrangebyscore(keys.deadlines, '-inf', now, 'LIMIT', 0, 5_000);
      if (due.length === 0) continue;
      const docs = await this.redis.client.hmget(keys.users, ...due);
      await Promise.all(due.map((userId, i) => this.evaluate(tenantId, userId, docs[i] ? (JSON.parse(docs[i]!) as PresenceDoc).technicianId : undefined)));
    }
  }

  private async evaluate(tenantId: string, userId: string, technicianId?: string): Promise<void> {
    const keys = presenceKeys(tenantId);
    const changed = await (this.redis.client as unknown as { flPresence: (...args: (string | number)[]) => Promise<string | null> }).flPresence(
      keys.users, keys.connectionsOf(userId), keys.deadlines, keys.channel, liveKeys(tenantId).technicianDevices(technicianId ?? ''), userId, Date.now(), this.options.presenceIdleMs, technicianId ?? '',
    );
    if (!changed) return;
    // The node that saw the change records it: presence shows in history too.
    const doc = JSON.parse(changed) as PresenceDoc;
    const type = presenceEventOf[doc.state];
    const data = doc.state === 'offline' ? { userId, lastSeenAt: new Date(doc.lastSeenMs ?? Date.now()).toISOString() } : { userId };
    const event = newEnvelope({ type, data, tenantId, streamId: userId, actor: { kind: 'system', id: `realtime:${this.options.nodeId}` } } as never);
    await this.kafka
      .send([{ topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': tenantId, 'event-type': type } }])
      .catch((error: unknown) => this.warn(error));
  }

  private warn(error: unknown): void {
    this.options.logger.warn({ context: 'presence', err: (error as Error).message }, 'presence update failed; the next heartbeat retries');
  }
}

import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { liveKeys } from '#libs/live';
import { RedisService } from '#libs/redis';
import { type ConnectionRecord, type ConnectionRef, type PresenceDoc, PresenceStore } from './presence.store';

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

interface PresenceCommands {
  flPresence(users: string, connections: string, deadlines: string, channel: string, devices: string, userId: string, nowMs: number, idleAfterMs: number, technicianId: string): Promise<string | null>;
}

/**
 * Presence in Redis, shared by every node: hashes of connection records per user, the users' presence
 * hash, a sorted set of deadlines, and a pub/sub channel per tenant; `evaluate` is one Lua script.
 * The technician's devices are the set the projector keeps in the live state (libs/live).
 */
@Injectable()
export class RedisPresenceStore extends PresenceStore {
  private readonly client: Redis & PresenceCommands;
  private subscriber?: Redis;

  constructor(private readonly redis: RedisService) {
    super();
    this.client = redis.client as Redis & PresenceCommands;
    this.client.defineCommand('flPresence', { numberOfKeys: 5, lua: EVALUATE });
  }

  async subscribe(listener: (tenantId: string, doc: PresenceDoc) => void): Promise<void> {
    this.subscriber = this.redis.subscriber('presence');
    this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const tenantId = /^(?:.*)fl:\{(.+)\}:presence$/.exec(channel)?.[1];
      if (tenantId) listener(tenantId, JSON.parse(message) as PresenceDoc);
    });
    await this.subscriber.psubscribe(`${this.client.options.keyPrefix ?? ''}fl:{*}:presence`);
  }

  async putConnections(records: { ref: ConnectionRef; record: ConnectionRecord }[]): Promise<void> {
    const pipeline = this.client.pipeline(); // one round trip for every connection of this node
    for (const { ref, record } of records) pipeline.hset(presenceKeys(ref.tenantId).connectionsOf(ref.userId), ref.connectionId, JSON.stringify(record));
    await pipeline.exec();
  }

  async removeConnection(ref: ConnectionRef): Promise<void> {
    await this.client.hdel(presenceKeys(ref.tenantId).connectionsOf(ref.userId), ref.connectionId);
  }

  async evaluate(tenantId: string, userId: string, technicianId: string | undefined, nowMs: number, idleAfterMs: number): Promise<PresenceDoc | null> {
    const keys = presenceKeys(tenantId);
    const changed = await this.client.flPresence(
      keys.users, keys.connectionsOf(userId), keys.deadlines, keys.channel, liveKeys(tenantId).technicianDevices(technicianId ?? ''), userId, nowMs, idleAfterMs, technicianId ?? '',
    );
    return changed ? (JSON.parse(changed) as PresenceDoc) : null;
  }

  async presence(tenantId: string): Promise<PresenceDoc[]> {
    const all = await this.client.hgetall(presenceKeys(tenantId).users);
    return Object.values(all).map((v) => JSON.parse(v) as PresenceDoc);
  }

  async presenceOf(tenantId: string, userIds: string[]): Promise<(PresenceDoc | undefined)[]> {
    if (userIds.length === 0) return [];
    const docs = await this.client.hmget(presenceKeys(tenantId).users, ...userIds);
    return docs.map((doc) => (doc ? (JSON.parse(doc) as PresenceDoc) : undefined));
  }

  async linkTechnician(tenantId: string, technicianId: string, userId: string): Promise<void> {
    await this.client.hset(presenceKeys(tenantId).technicianUsers, technicianId, userId);
  }

  async userOfTechnician(tenantId: string, technicianId: string): Promise<string | undefined> {
    return (await this.client.hget(presenceKeys(tenantId).technicianUsers, technicianId)) ?? undefined;
  }

  async addTenant(tenantId: string): Promise<void> {
    await this.client.sadd(TENANTS, tenantId);
  }

  async removeTenant(tenantId: string): Promise<void> {
    await this.client.srem(TENANTS, tenantId);
  }

  tenants(): Promise<string[]> {
    return this.client.smembers(TENANTS);
  }

  async hasDeadlines(tenantId: string): Promise<boolean> {
    return (await this.client.zcard(presenceKeys(tenantId).deadlines)) > 0;
  }

  dueUsers(tenantId: string, nowMs: number, limit: number): Promise<string[]> {
    return this.client.zrangebyscore(presenceKeys(tenantId).deadlines, '-inf', nowMs, 'LIMIT', 0, limit);
  }
}

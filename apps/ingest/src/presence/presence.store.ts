import { Injectable } from '@nestjs/common';
import { RedisService } from '#libs/redis';

/** A device as presence events name it. */
export interface PresenceDevice {
  tenantId: string;
  deviceId: string;
}

// Every session of a device, on every ingest process: a hash per device whose fields are
// `<broker>|<client id>`, the broker being the aedes instance (new at each start). A session that moves
// from one process to another is a second field before the first goes, so the device never counts 0.
const OPEN = `
local before = redis.call('HLEN', KEYS[1])
redis.call('HSET', KEYS[1], ARGV[1], '1')
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
if before == 0 then return 1 end
return 0`;

const CLOSE = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HLEN', KEYS[1]) == 0 then return 1 end
return 0`;

// A broker that stopped renewing its heartbeat died with its sessions open: drop them, and return the
// devices left without any. SREM first, so of several processes sweeping at once one does it.
const SWEEP = `
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return {} end
local held = ARGV[2] .. 'broker:' .. ARGV[1]
local mine = ARGV[1] .. '|'
local gone = {}
for _, member in ipairs(redis.call('SMEMBERS', held)) do
  local key = ARGV[2] .. 'sessions:' .. string.match(member, ' (.*)$')
  local removed = 0
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 1, #mine) == mine then removed = removed + redis.call('HDEL', key, field) end
  end
  if removed > 0 and redis.call('HLEN', key) == 0 then table.insert(gone, member) end
end
redis.call('DEL', held)
return gone`;

const PREFIX = 'fl:ingest:presence:';

type PresenceCommands = {
  flPresenceOpen(sessions: string, held: string, brokers: string, field: string, member: string, brokerId: string): Promise<number>;
  flPresenceClose(sessions: string, field: string): Promise<number>;
  flPresenceSweep(brokers: string, brokerId: string, prefix: string): Promise<string[]>;
};

/**
 * Which devices have a session on any ingest process, in Redis: a device comes online with its first
 * session anywhere and goes offline with its last one. A process renews its heartbeat; the sessions
 * of one that stops renewing it (killed) are dropped by the others.
 */
@Injectable()
export class PresenceStore {
  private readonly redis: RedisService['client'] & PresenceCommands;

  constructor(redis: RedisService) {
    this.redis = redis.client as RedisService['client'] & PresenceCommands;
    this.redis.defineCommand('flPresenceOpen', { numberOfKeys: 3, lua: OPEN });
    this.redis.defineCommand('flPresenceClose', { numberOfKeys: 1, lua: CLOSE });
    this.redis.defineCommand('flPresenceSweep', { numberOfKeys: 1, lua: SWEEP });
  }

  /** True when it is the device's first session on any process (the device came online). */
  async open(brokerId: string, device: PresenceDevice, clientId: string): Promise<boolean> {
    const member = `${device.tenantId} ${device.deviceId}`;
    return (await this.redis.flPresenceOpen(`${PREFIX}sessions:${device.deviceId}`, `${PREFIX}broker:${brokerId}`, `${PREFIX}brokers`, `${brokerId}|${clientId}`, member, brokerId)) === 1;
  }

  /** True when it was the device's last session on any process (the device went offline). */
  async close(brokerId: string, deviceId: string, clientId: string): Promise<boolean> {
    return (await this.redis.flPresenceClose(`${PREFIX}sessions:${deviceId}`, `${brokerId}|${clientId}`)) === 1;
  }

  /** This broker is alive for `ttlMs` more. */
  async heartbeat(brokerId: string, ttlMs: number): Promise<void> {
    await this.redis.set(`${PREFIX}alive:${brokerId}`, '1', 'PX', ttlMs);
  }

  /** The devices whose last sessions were on brokers that stopped beating (each returned to one caller). */
  async sweep(): Promise<PresenceDevice[]> {
    const brokers = await this.redis.smembers(`${PREFIX}brokers`);
    const gone: PresenceDevice[] = [];
    for (const brokerId of brokers) {
      if ((await this.redis.exists(`${PREFIX}alive:${brokerId}`)) === 1) continue;
      for (const member of await this.redis.flPresenceSweep(`${PREFIX}brokers`, brokerId, `${this.redis.options.keyPrefix ?? ''}${PREFIX}`)) {
        const [tenantId, deviceId] = [member.slice(0, member.indexOf(' ')), member.slice(member.indexOf(' ') + 1)];
        gone.push({ tenantId, deviceId });
      }
    }
    return gone;
  }
}

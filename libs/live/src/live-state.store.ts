import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisService } from '#libs/redis';
import { compareFeedIds, type LivePosition } from '#libs/realtime-client';
import { type FeedEntry, feedFields, type NewFeedEntry, parseFeedEntry } from './feed-entry';
import { FeedTail } from './feed-tail';
import { liveKeys } from './live-keys';

export { compareFeedIds, type LivePosition };

export const LIVE_OPTIONS = Symbol('LIVE_OPTIONS');

export interface LiveOptions {
  /** Feed entries kept per tenant (approximate trim: Redis trims whole macro nodes). */
  feedMaxLen: number;
  /** Feed entries older than this are trimmed (approximately). */
  feedMaxAgeMs: number;
  /** Replicas that must hold a batch's writes before its offsets move (`replicated()`); 0: none asked. */
  waitReplicas?: number;
  waitTimeoutMs?: number;
}

// Sets the subject's position only if the fix is newer than the one held, then adds it to the GEO
// set and the feed. A replayed or late fix changes nothing: no regression, no duplicate feed entry.
// KEYS: positions, geo, feed. ARGV: subject, atMs, positionJson, lon, lat, feed entries (JSON), maxLen, maxAgeMs.
const APPLY_FIX = `
if not NEWER(KEYS[1], ARGV[1], 'at', ARGV[2]) then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('GEOADD', KEYS[2], ARGV[4], ARGV[5], ARGV[1])
return FEED_APPEND(KEYS[3], ARGV[6], ARGV[7], ARGV[8])
`;

// Sets a versioned document (job board entry, technician status, presence) only if its version is
// higher than the one held, and appends the change to the feed: replays are no-ops.
// KEYS: hash, feed. ARGV: field, version, docJson, feed entries (JSON), maxLen, maxAgeMs.
const APPLY_VERSIONED = `
if not NEWER(KEYS[1], ARGV[1], 'version', ARGV[2]) then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return FEED_APPEND(KEYS[2], ARGV[4], ARGV[5], ARGV[6])
`;

// The same, and in the same step a member added to or removed from a set (a technician's connected
// devices), so whoever reads the feed entry finds the set already changed.
// KEYS: hash, feed, set. ARGV: field, version, docJson, feed entries (JSON), maxLen, maxAgeMs, member, 'add' | 'remove'.
const APPLY_VERSIONED_MEMBER = `
if not NEWER(KEYS[1], ARGV[1], 'version', ARGV[2]) then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[8] == 'add' then redis.call('SADD', KEYS[3], ARGV[7]) else redis.call('SREM', KEYS[3], ARGV[7]) end
return FEED_APPEND(KEYS[2], ARGV[4], ARGV[5], ARGV[6])
`;

// Whether `value` is above the `prop` of the document held in hash field `field` (true when none is held):
// the guard that makes every write of live state a no-op on replay and on late input.
const NEWER = `
local function NEWER(hash, field, prop, value)
  local held = redis.call('HGET', hash, field)
  if not held then return true end
  local current = cjson.decode(held)[prop]
  return not current or current < tonumber(value)
end
`;

// Appends entries (a JSON array of field lists) and returns the last id. Trims by length on every
// append and by age (MINID) as well; both approximate (~), so cheap.
const FEED_APPEND = `
local function FEED_APPEND(feed, entriesJson, maxLen, maxAgeMs)
  local id = '0-0'
  for _, fields in ipairs(cjson.decode(entriesJson)) do
    id = redis.call('XADD', feed, 'MAXLEN', '~', maxLen, '*', unpack(fields))
  end
  local now = redis.call('TIME')
  local minMs = tonumber(now[1]) * 1000 - tonumber(maxAgeMs)
  if minMs > 0 then redis.call('XTRIM', feed, 'MINID', '~', string.format('%d', minMs)) end
  return id
end
`;
interface LiveCommands {
  flApplyVersionedMember(hash: string, feed: string, set: string, ...argv: (string | number)[]): Promise<string | null>;
  flApplyFix(positions: string, geo: string, feed: string, ...argv: (string | number)[]): Promise<string | null>;
  flApplyVersioned(hash: string, feed: string, ...argv: (string | number)[]): Promise<string | null>;
}

export type LiveRedis = Redis & LiveCommands;

/**
 * Redis' GEO index takes latitudes within ±85.05112878 (Web Mercator) and errors beyond — which would make
 * a fix near a pole fail its whole script and stall the projection on it. The index gets the latitude
 * clamped (it only ranks nearness); the stored position keeps the true one.
 */
const GEO_MAX_LATITUDE = 85.05112878;
export const geoLatitude = (lat: number): number => Math.max(-GEO_MAX_LATITUDE, Math.min(GEO_MAX_LATITUDE, lat));

/** The hashes of versioned documents. */
export type DocHash = 'jobs' | 'technicians' | 'presence' | 'alerts' | 'tracking' | 'chat' | 'calls';

export interface VersionedDoc {
  version: number;
}

/**
 * Live state and the per-tenant feed in Redis: the projector writes through the guarded scripts
 * (idempotent, never regressing), the API and realtime read. Every key carries the tenant.
 */
@Injectable()
export class LiveStateStore {
  readonly redis: LiveRedis;

  constructor(
    private readonly connections: RedisService,
    @Inject(LIVE_OPTIONS) private readonly options: LiveOptions,
  ) {
    this.redis = connections.client as LiveRedis;
    this.redis.defineCommand('flApplyFix', { numberOfKeys: 3, lua: NEWER + FEED_APPEND + APPLY_FIX });
    this.redis.defineCommand('flApplyVersioned', { numberOfKeys: 2, lua: NEWER + FEED_APPEND + APPLY_VERSIONED });
    this.redis.defineCommand('flApplyVersionedMember', { numberOfKeys: 3, lua: NEWER + FEED_APPEND + APPLY_VERSIONED_MEMBER });
  }

  /**
   * Waits until `waitReplicas` replicas hold every write this process made so far (Redis WAIT on the
   * command connection, where the writes went); answers how many did within `waitTimeoutMs`. The projector
   * calls it before a batch's offsets move, so a failover to a replica cannot lose live state for events
   * already marked consumed. Without replicas asked, it returns at once. While a replica is away (the
   * last wait fell short) it waits only briefly: a batch must not pay the full timeout each time.
   * `changed`: this wait is the first after the replica went away or came back (once per change).
   */
  async replicated(): Promise<{ wanted: number; acked: number; away: boolean; changed: boolean }> {
    const wanted = this.options.waitReplicas ?? 0;
    if (wanted === 0) return { wanted, acked: 0, away: false, changed: false };
    const acked = Number(await this.redis.call('WAIT', wanted, this.replicaAway ? 10 : (this.options.waitTimeoutMs ?? 1000)));
    const was = this.replicaAway;
    this.replicaAway = acked < wanted;
    return { wanted, acked, away: this.replicaAway, changed: was !== this.replicaAway };
  }

  private replicaAway = false;

  /** Applies a fix if it is the subject's newest; returns the feed id, or null when it was not newer. */
  applyFix(tenantId: string, position: LivePosition, entry: NewFeedEntry): Promise<string | null> {
    const keys = liveKeys(tenantId);
    return this.redis.flApplyFix(
      keys.positions, keys.geo, keys.feed,
      position.subjectId, position.at, JSON.stringify(position), position.lon, geoLatitude(position.lat),
      JSON.stringify([feedFields(entry)]), this.options.feedMaxLen, this.options.feedMaxAgeMs,
    );
  }

  /**
   * Stores `doc` under `field` of the tenant hash if its version is newer, and appends the entries to
   * the feed in the same step. Returns the last feed id ('0-0' without entries), or null when the
   * version was not newer (nothing written).
   */
  applyVersioned(tenantId: string, hash: DocHash, field: string, doc: VersionedDoc, entries: NewFeedEntry | NewFeedEntry[] = []): Promise<string | null> {
    const keys = liveKeys(tenantId);
    return this.redis.flApplyVersioned(
      keys[hash], keys.feed,
      field, doc.version, JSON.stringify(doc), JSON.stringify((Array.isArray(entries) ? entries : [entries]).map(feedFields)),
      this.options.feedMaxLen, this.options.feedMaxAgeMs,
    );
  }

  /**
   * A device's presence, versioned like applyVersioned, and — in the same step — the device added
   * to or removed from its technician's connected devices (realtime counts them in presence).
   */
  applyDevicePresence(tenantId: string, technicianId: string, doc: VersionedDoc & { deviceId: string }, connected: boolean, entry: NewFeedEntry): Promise<string | null> {
    const keys = liveKeys(tenantId);
    return this.redis.flApplyVersionedMember(
      keys.presence, keys.feed, keys.technicianDevices(technicianId),
      doc.deviceId, doc.version, JSON.stringify(doc), JSON.stringify([feedFields(entry)]), this.options.feedMaxLen, this.options.feedMaxAgeMs,
      doc.deviceId, connected ? 'add' : 'remove',
    );
  }

  async getDocs<T>(tenantId: string, hash: DocHash, fields: string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    if (fields.length === 0) return found;
    const values = await this.redis.hmget(liveKeys(tenantId)[hash], ...fields);
    values.forEach((value, i) => {
      if (value !== null) found.set(fields[i]!, JSON.parse(value) as T);
    });
    return found;
  }

  async positions(tenantId: string, subjectIds?: string[]): Promise<LivePosition[]> {
    const key = liveKeys(tenantId).positions;
    const values = subjectIds ? (subjectIds.length ? await this.redis.hmget(key, ...subjectIds) : []) : Object.values(await this.redis.hgetall(key));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as LivePosition);
  }

  /** Subjects within `radiusM` of a point, nearest first, with their distance in metres. */
  async near(tenantId: string, point: { lat: number; lon: number }, radiusM: number, count: number): Promise<{ subjectId: string; distanceM: number }[]> {
    const rows = (await this.redis.geosearch(
      liveKeys(tenantId).geo, 'FROMLONLAT', point.lon, geoLatitude(point.lat), 'BYRADIUS', radiusM, 'm', 'ASC', 'COUNT', count, 'WITHDIST',
    )) as [string, string][];
    return rows.map(([subjectId, distance]) => ({ subjectId, distanceM: Number(distance) }));
  }

  /**
   * A hash and the feed id it is consistent with, read atomically (MULTI): a screen loads the
   * snapshot, then resumes the feed after that id without gap or duplicate.
   */
  async snapshot<T>(tenantId: string, hash: 'jobs' | 'technicians' | 'presence' | 'positions'): Promise<{ feedId: string; items: T[] }> {
    const keys = liveKeys(tenantId);
    const results = await this.redis.multi().hgetall(keys[hash]).xrevrange(keys.feed, '+', '-', 'COUNT', 1).exec();
    const [hashResult, lastResult] = results ?? [];
    if (!hashResult || hashResult[0] || !lastResult || lastResult[0]) throw (hashResult?.[0] ?? lastResult?.[0] ?? new Error('snapshot transaction aborted'));
    const all = hashResult[1] as Record<string, string>;
    const last = lastResult[1] as [string, string[]][];
    return { feedId: last[0]?.[0] ?? '0-0', items: Object.values(all).map((v) => JSON.parse(v) as T) };
  }

  /** The id of the tenant's newest feed entry ('0-0' when there is none): following from now starts after it. */
  async lastFeedId(tenantId: string): Promise<string> {
    const rows = (await this.redis.xrevrange(liveKeys(tenantId).feed, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return rows[0]?.[0] ?? '0-0';
  }

  /** A reader that waits for the new entries of many tenants' feeds, on a connection of its own. */
  feedTail(name = 'feed-reader'): FeedTail {
    return new FeedTail(this.connections.subscriber(name));
  }

  /**
   * Feed entries after `afterId` (exclusive), oldest first; or `gap` when entries after it were
   * already trimmed away (the client reloads a snapshot and resumes from the snapshot's id).
   */
  async readFeed(tenantId: string, afterId: string, count: number): Promise<{ gap: false; entries: FeedEntry[] } | { gap: true }> {
    const key = liveKeys(tenantId).feed;
    const [info, rows] = await Promise.all([
      this.redis.call('XINFO', 'STREAM', key).catch((error: Error) => {
        if (/no such key/i.test(error.message)) return null;
        throw error;
      }),
      this.redis.xrange(key, `(${afterId}`, '+', 'COUNT', count) as Promise<[string, string[]][]>,
    ]);
    if (info) {
      // Trimming only ever removes the oldest entries, and Redis 7.0 does not report the highest
      // trimmed id; so: something was trimmed, and the client's id is older than the oldest kept.
      const fields = info as unknown[];
      const field = (name: string) => String(fields[fields.indexOf(name) + 1]);
      const trimmed = Number(field('entries-added')) > Number(field('length'));
      if (trimmed && compareFeedIds(afterId, field('recorded-first-entry-id')) < 0) return { gap: true };
    }
    return { gap: false, entries: rows.map(([id, f]) => parseFeedEntry(id, f)) };
  }
}

// Debian's redis-server on its own port and data directory (AOF on, so live state survives a restart);
// in the HA shape a primary, a replica and three Sentinels (the same binary in --sentinel mode).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { StackComponent } from './stack-component';
import { ensureBinaries } from './system-packages';
import { dataDir, haDataDir, haPorts, host, ports } from './stack.config';

let redisServer = 'redis-server';

const prepareRedis = (dir: string) => {
  redisServer = ensureBinaries([{ binary: 'redis-server', debianPackage: 'redis-server', why: 'live state and feeds' }])['redis-server'];
  mkdirSync(dir, { recursive: true });
};

/** What a member answers `ask` on a connection of its own (PING by default: readiness); throws when it is down. */
export async function answers<T = boolean>(port: number, ask: (client: Redis) => Promise<T> = async (c) => ((await c.ping()) === 'PONG') as T): Promise<T> {
  const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // refusals while it starts are expected; connect() reports them
  try {
    await client.connect();
    return await ask(client);
  } finally {
    client.disconnect();
  }
}

const SERVER_SETTINGS = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes', '--maxmemory-policy', 'noeviction'];

/** A redis-server on its own port and data directory (the stack's, or the HA shape's). */
export const createRedisComponent = (name: string, port: number, dir: string): StackComponent => ({
  name,
  envVar: 'REDIS_URL',
  url: () => `redis://${host}:${port}`,
  ports: () => [port],
  startTimeoutMs: 20_000,

  async prepare() {
    prepareRedis(dir);
  },

  spec() {
    return {
      name,
      command: redisServer,
      args: [
        '--bind', host,
        '--port', String(port),
        '--dir', dir,
        ...SERVER_SETTINGS,
      ],
    };
  },

  ready: () => answers(port),
});

export const redisComponent = createRedisComponent('redis', ports.redis, join(dataDir, 'redis'));

/** The master name the HA shape's Sentinels watch, in REDIS_URL (redis-sentinel://…/fieldline). */
export const SENTINEL_MASTER = 'fieldline';
const sentinelUrl = () => `redis-sentinel://${haPorts.redisSentinels.map((p) => `${host}:${p}`).join(',')}/${SENTINEL_MASTER}`;

/**
 * A data member of the HA shape: member 1 starts as the primary, member 2 as its replica. Each runs on a
 * config file of its own, written once, because Sentinel records a promotion there (CONFIG REWRITE):
 * after a failover a restarted stack keeps the roles Sentinel gave, rather than the first ones.
 */
const redisHaMember = (member: 1 | 2): StackComponent => {
  const name = member === 1 ? 'redis-ha' : 'redis-ha-replica';
  const port = haPorts.redisMembers[member - 1];
  const dir = join(haDataDir, member === 1 ? 'redis' : 'redis-replica');
  const config = join(dir, 'redis.conf');
  return {
    name,
    envVar: 'REDIS_URL',
    url: sentinelUrl,
    // the projector waits for the replica before a batch counts as consumed (LiveStateStore.replicated)
    env: () => ({ REDIS_WAIT_REPLICAS: '1' }),
    ports: () => [port],
    startTimeoutMs: 20_000,
    async prepare() {
      prepareRedis(dir);
      if (existsSync(config)) return;
      const lines = [`bind ${host}`, `port ${port}`, `dir ${dir}`];
      if (member === 2) lines.push(`replicaof ${host} ${haPorts.redisMembers[0]}`);
      writeFileSync(config, `# Written once by tools/stack; Sentinel rewrites the role on a failover.\n${lines.join('\n')}\n`);
    },
    spec: () => ({ name, command: redisServer, args: [config, ...SERVER_SETTINGS] }),
    ready: () => answers(port),
  };
};

/**
 * Sentinel n (1–3): watches the primary with a quorum of two, declares it down after a second without
 * an answer and promotes the replica. Its config file is its state (the current primary, the epoch), so
 * it is written once and left to Sentinel.
 */
const redisSentinel = (n: number): StackComponent => {
  const name = `redis-sentinel-${n}`;
  const port = haPorts.redisSentinels[n - 1];
  const dir = join(haDataDir, name);
  const config = join(dir, 'sentinel.conf');
  return {
    name,
    envVar: 'REDIS_URL',
    url: sentinelUrl,
    ports: () => [port],
    startTimeoutMs: 20_000,
    async prepare() {
      prepareRedis(dir);
      if (existsSync(config)) return;
      const lines = [
        `bind ${host}`,
        `port ${port}`,
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER} ${host} ${haPorts.redisMembers[0]} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
      ];
      writeFileSync(config, `# Written once by tools/stack; Sentinel keeps its state here.\n${lines.join('\n')}\n`);
    },
    spec: () => ({ name, command: redisServer, args: [config, '--sentinel', '--daemonize', 'no'] }),
    // ready once it knows a primary (it learns the replica and its peers by itself)
    ready: () => answers(port, async (c) => Array.isArray(await c.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER))),
  };
};

/** The HA shape's Redis: primary, replica, three Sentinels; the apps reach it through the Sentinels. */
export const redisHaComponents: StackComponent[] = [redisHaMember(1), redisHaMember(2), ...[1, 2, 3].map(redisSentinel)];

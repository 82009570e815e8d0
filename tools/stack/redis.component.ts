// Debian's redis-server on its own port and data directory (AOF on, so live state survives a restart).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { StackComponent } from './stack-component';
import { ensureBinaries } from './system-packages';
import { dataDir, host, ports } from './stack.config';

let redisServer = 'redis-server';

/** A redis-server on its own port and data directory (the stack's, or the HA shape's). */
export const createRedisComponent = (name: string, port: number, dir: string): StackComponent => ({
  name,
  envVar: 'REDIS_URL',
  url: () => `redis://${host}:${port}`,
  ports: () => [port],
  startTimeoutMs: 20_000,

  async prepare() {
    redisServer = ensureBinaries([{ binary: 'redis-server', debianPackage: 'redis-server', why: 'live state and feeds' }])['redis-server'];
    mkdirSync(dir, { recursive: true });
  },

  spec() {
    return {
      name,
      command: redisServer,
      args: [
        '--bind', host,
        '--port', String(port),
        '--dir', dir,
        '--appendonly', 'yes',
        '--appendfsync', 'everysec',
        '--save', '',
        '--daemonize', 'no',
        '--protected-mode', 'yes',
        '--maxmemory-policy', 'noeviction',
      ],
    };
  },

  async ready() {
    const client = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // refusals while it starts are expected; connect() reports them
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  },
});

export const redisComponent = createRedisComponent('redis', ports.redis, join(dataDir, 'redis'));

// Debian's redis-server on its own port and data directory (AOF on, so live state survives a restart).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { StackComponent } from './stack-component';
import { ensureBinaries } from './system-packages';
import { dataDir, host, ports } from './stack.config';

let redisServer = 'redis-server';

export const redisComponent: StackComponent = {
  name: 'redis',
  envVar: 'REDIS_URL',
  url: () => `redis://${host}:${ports.redis}`,
  ports: () => [ports.redis],
  startTimeoutMs: 20_000,

  async prepare() {
    redisServer = ensureBinaries([{ binary: 'redis-server', debianPackage: 'redis-server', why: 'live state and feeds' }])['redis-server'];
    mkdirSync(join(dataDir, 'redis'), { recursive: true });
  },

  spec() {
    return {
      name: 'redis',
      command: redisServer,
      args: [
        '--bind', host,
        '--port', String(ports.redis),
        '--dir', join(dataDir, 'redis'),
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
    const client = new Redis({ host, port: ports.redis, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // refusals while it starts are expected; connect() reports them
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  },
};

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions as RedisClientOptions } from 'ioredis';
import type { Logger } from 'pino';
import { redisConnection } from './redis-url';

export const REDIS_OPTIONS = Symbol('REDIS_OPTIONS');

export interface RedisOptions {
  url: string;
  logger: Logger;
  /** Prefixes every key of this process (tests use it to stay apart); keys still carry the tenant. */
  keyPrefix?: string;
}

/**
 * The Redis adapter. `client` runs commands; `subscriber()` gives connections for blocking reads and
 * pub/sub, which cannot share the command connection. Commands issued while disconnected are queued
 * by ioredis and retried on reconnect, so a Redis restart is a delay, not an error storm.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  private readonly extra = new Set<Redis>();

  constructor(@Inject(REDIS_OPTIONS) private readonly options: RedisOptions) {
    // Commands issued in the same tick leave in one write (a projector batch's scripts, a fan-out's
    // reads): one syscall instead of one per command. Blocking reads use their own connection.
    this.client = this.connect('command', { enableAutoPipelining: true });
  }

  /** A dedicated connection (pub/sub, XREAD BLOCK); closed on shutdown. */
  subscriber(name = 'subscriber'): Redis {
    const connection = this.connect(name);
    this.extra.add(connection);
    return connection;
  }

  async ping(): Promise<{ latencyMs: number }> {
    const started = performance.now();
    await this.client.ping();
    return { latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  async onApplicationShutdown(): Promise<void> {
    // QUIT on a connection that is down would wait in the offline queue for a Redis that may never return.
    await Promise.allSettled([this.client, ...this.extra].map((c) => (c.status === 'ready' ? c.quit() : c.disconnect())));
  }

  private connect(name: string, extra: Partial<RedisClientOptions> = {}): Redis {
    const connection = redisConnection(Redis, this.options.url, {
      ...extra,
      connectionName: `fieldline-${name}`,
      keyPrefix: this.options.keyPrefix,
      // Back off up to 2 s between reconnects; never give up (Redis restarts must heal by themselves).
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
      maxRetriesPerRequest: 20,
    });
    let lastError = '';
    connection.on('error', (error: Error) => {
      // ioredis emits the same error on every reconnect attempt: log it once per change.
      if (error.message === lastError) return;
      lastError = error.message;
      this.options.logger.warn({ context: 'redis', connection: name, err: error.message }, 'Redis connection error');
    });
    connection.on('ready', () => {
      if (lastError) this.options.logger.info({ context: 'redis', connection: name }, 'Redis connection restored');
      lastError = '';
    });
    return connection;
  }
}

import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { redisConnection } from '#libs/redis';

/**
 * Where the broker keeps its sessions (subscriptions, QoS 1 queues, wills) and how its processes reach
 * each other's clients. `memory`: this process alone, lost with it. `redis`: aedes' own Redis
 * persistence and emitter, so any number of ingest processes (one machine or many) act as one broker:
 * a message published on one reaches the client on another, and a persistent session with its queue
 * outlives a crash.
 */
export type MqttSessions =
  | { kind: 'memory' }
  | {
      kind: 'redis';
      url: string;
      /** Before every persistence key (not the pub/sub channels, which are the MQTT topics). */
      keyPrefix: string;
      /**
       * Topics nobody may subscribe to (devices' uplink): published to this process's listeners only.
       * Each would otherwise be a Redis PUBLISH on the way to its PUBACK, for no receiver.
       */
      localOnly?: (topic: string) => boolean;
    };

/** What aedes takes (`persistence`, `mq`), and how to let go of the connections they opened. */
export interface SessionStores {
  persistence?: unknown;
  mq?: unknown;
  close(): Promise<void>;
}

interface Emitter {
  emit(packet: { topic: string }, done?: (error?: Error) => void): void;
  _emit(packet: { topic: string }, done?: (error?: Error) => void): void;
  state: { on(event: 'error', listener: (error: Error) => void): void };
}

interface Persistence {
  /** Without a callback: a promise (with one, it waits for a 'ready' that aedes 1.x's setup() never emits). */
  destroy(): Promise<void>;
}

// The packages bring their own ioredis (5.x); their connections are made with it, as they expect.
const requireFrom = (pkg: string) => createRequire(createRequire(__filename).resolve(pkg));

export function sessionStores(sessions: MqttSessions, logger: Logger): SessionStores {
  if (sessions.kind === 'memory') return { close: async () => undefined };
  const persistenceRedis = requireFrom('aedes-persistence-redis');
  const emitterRedis = requireFrom('mqemitter-redis');
  const connect = (require: NodeJS.Require, name: string, keyPrefix?: string) => {
    const { Redis } = require('ioredis') as { Redis: new (...args: never[]) => { on(event: 'error', listener: (error: Error) => void): void } };
    // one server or Sentinels (redis-sentinel://), as RedisService reads REDIS_URL
    const connection = redisConnection(Redis, sessions.url, {
      connectionName: `fieldline-mqtt-${name}`,
      keyPrefix,
      // as RedisService: back off up to 2 s, never give up — a Redis restart heals by itself
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
      enableAutoPipelining: true,
    });
    let last = '';
    connection.on('error', (error) => {
      if (error.message !== last) logger.warn({ context: 'mqtt.sessions', connection: name, err: error.message }, 'Redis connection error');
      last = error.message;
    });
    return connection;
  };
  const persistence = (persistenceRedis('aedes-persistence-redis') as (options: object) => Persistence)({
    conn: connect(persistenceRedis, 'sessions', sessions.keyPrefix),
  });
  const mq = (emitterRedis('mqemitter-redis') as (options: object) => Emitter)({
    pubConn: connect(emitterRedis, 'publish'),
    subConn: connect(emitterRedis, 'subscribe'),
  });
  mq.state.on('error', (error) => logger.warn({ context: 'mqtt.sessions', err: error.message }, 'MQTT emitter error'));
  const { localOnly } = sessions;
  if (localOnly) {
    const shared = mq.emit.bind(mq);
    // `_emit` is mqemitter's own (in-process) emit, which mqemitter-redis keeps beside its Redis one
    mq.emit = (packet, done) => (localOnly(packet.topic) ? mq._emit(packet, done) : shared(packet, done));
  }
  return {
    persistence,
    mq,
    // aedes closes the emitter (broker.close); the persistence is ours to close
    close: () => persistence.destroy().catch(() => undefined),
  };
}

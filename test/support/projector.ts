import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import pino from 'pino';
import { topics } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { type FeedEntry, liveKeys, parseFeedEntry } from '#libs/live';
import { DatabaseService, migrate } from '#libs/timescale';
import { type AppProcess, stackEnv, startAppProcess } from './app-process';

export { event, eventually, fixEvent, produce, uniqueTenant } from './events';

export const logger = pino({ level: 'silent' });

export interface Harness {
  db: DatabaseService;
  redis: Redis;
  producer: Producer;
  kafka: Kafka;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 2, logger });
  await migrate(db, logger);
  const redis = new Redis(process.env.REDIS_URL!);
  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  // The topics exist before the test produces (the brokers never auto-create; the apps create theirs at
  // start, but on a fresh broker this file may run before any app did).
  const topicMaker = new KafkaService({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'e2e-projector-topics', logger });
  await topicMaker.ensureTopics(Object.values(topics));
  await topicMaker.onApplicationShutdown();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    db,
    redis,
    producer,
    kafka,
    close: async () => {
      await producer.disconnect();
      redis.disconnect();
      await db.onApplicationShutdown();
    },
  };
}

/** A projector process with its own consumer groups (so it projects the log from its start). */
export function startProjector(groupPrefix: string, env: Record<string, string> = {}): Promise<AppProcess> {
  return startAppProcess('projector', {
    ...stackEnv(),
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PROJECTOR_GROUP_PREFIX: groupPrefix,
    PROJECTOR_SESSION_TIMEOUT_MS: '6000',
    GEOFENCE_DWELL_S: '20',
    GEOFENCE_MARGIN_M: '20',
    ...env,
  });
}

export async function feedOf(redis: Redis, tenantId: string): Promise<FeedEntry[]> {
  const rows = (await redis.xrange(liveKeys(tenantId).feed, '-', '+')) as [string, string[]][];
  return rows.map(([id, fields]) => parseFeedEntry(id, fields));
}


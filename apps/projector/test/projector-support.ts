import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import pino from 'pino';
import { type EventData, type EventType, type FieldlineEvent, keyFor, newEnvelope, serializeEvent, topicFor } from '#libs/events';
import { type FeedEntry, liveKeys, parseFeedEntry } from '#libs/live';
import { DatabaseService, migrate } from '#libs/timescale';
import { type AppProcess, stackEnv, startAppProcess } from '../../../test/support/app-process';

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

export const uniqueTenant = (label: string) => `tnt_${label}_${randomUUID().slice(0, 8)}`;

export function event<T extends EventType>(type: T, data: EventData<T>, tenantId: string, streamId: string, extra: { occurredAt?: string; streamPosition?: number } = {}): FieldlineEvent {
  return newEnvelope({ type, data, tenantId, streamId, actor: { kind: 'system', id: 'e2e' }, ...extra }) as FieldlineEvent;
}

export const fixEvent = (tenantId: string, subjectId: string, deviceId: string, n: number, at: Date, lat: number, lon: number, speedMps?: number) =>
  event(
    'telemetry.location_reported',
    { deviceId, subjectId, lat, lon, source: 'simulator', messageId: `m-${n}`, ...(speedMps === undefined ? {} : { speedMps }) },
    tenantId,
    deviceId,
    { occurredAt: at.toISOString() },
  );

export async function produce(producer: Producer, events: FieldlineEvent[]): Promise<void> {
  // Under the broker's 1 MB request limit.
  for (let i = 0; i < events.length; i += 1_000) await produceChunk(producer, events.slice(i, i + 1_000));
}

async function produceChunk(producer: Producer, events: FieldlineEvent[]): Promise<void> {
  const byTopic = new Map<string, { key: string; value: Buffer }[]>();
  for (const e of events) byTopic.set(topicFor(e), [...(byTopic.get(topicFor(e)) ?? []), { key: keyFor(e), value: serializeEvent(e) }]);
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
}

export async function feedOf(redis: Redis, tenantId: string): Promise<FeedEntry[]> {
  const rows = (await redis.xrange(liveKeys(tenantId).feed, '-', '+')) as [string, string[]][];
  return rows.map(([id, fields]) => parseFeedEntry(id, fields));
}

/** Polls until `check` returns a value that is not undefined, or fails with what it saw last. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

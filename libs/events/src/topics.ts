import { type EventFamily, type EventType, type EventTypeOf, familyOf } from './catalogue';
import type { DeadLetterRecord } from './codec';
import type { EventOf, FieldlineEvent } from './envelope';

const DAY_MS = 86_400_000;

/** How long a topic keeps records: by time and size (telemetry), or forever (the event log's copy). */
export interface TopicRetention {
  /** `retention.ms`; -1 keeps records forever. */
  ms: number;
  /** `retention.bytes` per partition; -1: no size bound. */
  bytes: number;
}

/**
 * Every Kafka topic, declared rather than left to broker defaults: its key, partitions and retention.
 * Replication and min.insync.replicas follow the cluster (libs/kafka: KAFKA_REPLICATION_FACTOR); topics
 * are created with all of it and reconciled at every start (a drift is logged, retention is set back).
 * Keys keep each subject's events in order on one partition; partitions bound consumer parallelism.
 */
export const topics = {
  // positions and history are rebuilt from TimescaleDB, not from here: a week, and at most 1 GiB a partition
  telemetry: { name: 'fieldline.telemetry.v1', key: 'device id', partitions: 6, retention: { ms: 7 * DAY_MS, bytes: 1024 ** 3 } },
  // the event store's copy: kept, so a new consumer (a projection, an integration) can read it all
  dispatch: { name: 'fieldline.dispatch.v1', key: 'stream id (job, technician, device)', partitions: 6, retention: { ms: -1, bytes: -1 } },
  presence: { name: 'fieldline.presence.v1', key: 'subject id (device or user)', partitions: 3, retention: { ms: 7 * DAY_MS, bytes: -1 } },
  derived: { name: 'fieldline.derived.v1', key: 'subject id', partitions: 3, retention: { ms: 30 * DAY_MS, bytes: -1 } },
  media: { name: 'fieldline.media.v1', key: 'call id', partitions: 3, retention: { ms: -1, bytes: -1 } },
  // dead letters wait for someone to look: a quarter
  dlq: { name: 'fieldline.dlq.v1', key: 'source id', partitions: 3, retention: { ms: 90 * DAY_MS, bytes: -1 } },
} as const satisfies Record<string, { name: string; key: string; partitions: number; retention: TopicRetention }>;

export type TopicId = keyof typeof topics;
export type TopicName = (typeof topics)[TopicId]['name'];
export const topicNames = Object.values(topics).map((t) => t.name) as TopicName[];

/** Routing is per family: a new event type in a family is routed without touching this file. */
const familyTopics = {
  job: 'dispatch',
  technician: 'dispatch',
  device: 'dispatch',
  telemetry: 'telemetry',
  presence: 'presence',
  call: 'media',
  customer: 'dispatch',
  site: 'dispatch',
  geofence: 'dispatch',
  tracking: 'derived',
  chat: 'dispatch',
} as const satisfies Record<EventFamily, TopicId>;

type EventOfFamily<F extends EventFamily> = EventOf<EventTypeOf<F>>;

// One key function per family, type-checked against that family's data.
const familyKeys: { [F in EventFamily]: (event: EventOfFamily<F>) => string } = {
  // Event-store streams: keyed by stream so a consumer sees one job's events in stream order.
  job: (e) => e.streamId,
  technician: (e) => e.streamId,
  device: (e) => e.streamId,
  telemetry: (e) => e.data.deviceId,
  presence: (e) => ('deviceId' in e.data ? e.data.deviceId : e.data.userId),
  call: (e) => e.data.callId,
  customer: (e) => e.streamId,
  site: (e) => e.streamId,
  geofence: (e) => e.streamId,
  tracking: (e) => e.data.subjectId,
  chat: (e) => e.data.jobId,
};

export function topicFor(event: Pick<FieldlineEvent, 'type'> | EventType): TopicName {
  const type = typeof event === 'string' ? event : event.type;
  return topics[familyTopics[familyOf(type)]].name;
}

export function keyFor(event: FieldlineEvent): string {
  const keyOf = familyKeys[familyOf(event.type)] as (e: FieldlineEvent) => string;
  return keyOf(event);
}

export const keyForDeadLetter = (record: DeadLetterRecord): string => record.sourceId;

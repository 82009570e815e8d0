import { type EventFamily, type EventType, type EventTypeOf, familyOf } from './catalogue';
import type { DeadLetterRecord } from './codec';
import type { EventOf, FieldlineEvent } from './envelope';

/**
 * Every Kafka topic, its key and a partition count for the local single broker. Production sizes
 * partitions to consumer parallelism; keys keep each subject's events in order on one partition.
 */
export const topics = {
  telemetry: { name: 'fieldline.telemetry.v1', key: 'device id', partitions: 6 },
  dispatch: { name: 'fieldline.dispatch.v1', key: 'stream id (job, technician, device)', partitions: 6 },
  presence: { name: 'fieldline.presence.v1', key: 'subject id (device or user)', partitions: 3 },
  derived: { name: 'fieldline.derived.v1', key: 'subject id', partitions: 3 },
  media: { name: 'fieldline.media.v1', key: 'call id', partitions: 3 },
  dlq: { name: 'fieldline.dlq.v1', key: 'source id', partitions: 3 },
} as const;

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

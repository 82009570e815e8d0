import { eventFamilies, type EventType, eventTypes } from './catalogue';
import { deadLetter } from './codec';
import { keyFor, keyForDeadLetter, topicFor, topicNames, topics } from './topics';
import { sampleEvent } from './testing/sample-events';

const expectedTopic: Record<string, string> = {
  job: 'fieldline.dispatch.v1',
  technician: 'fieldline.dispatch.v1',
  device: 'fieldline.dispatch.v1',
  telemetry: 'fieldline.telemetry.v1',
  presence: 'fieldline.presence.v1',
  call: 'fieldline.media.v1',
  customer: 'fieldline.dispatch.v1',
  site: 'fieldline.dispatch.v1',
  geofence: 'fieldline.dispatch.v1',
  tracking: 'fieldline.derived.v1',
  chat: 'fieldline.dispatch.v1',
};

describe('topics', () => {
  it('declares the six topics with their local partition counts', () => {
    expect(Object.fromEntries(Object.values(topics).map((t) => [t.name, t.partitions]))).toEqual({
      'fieldline.telemetry.v1': 6,
      'fieldline.dispatch.v1': 6,
      'fieldline.presence.v1': 3,
      'fieldline.derived.v1': 3,
      'fieldline.media.v1': 3,
      'fieldline.dlq.v1': 3,
    });
    expect(new Set(topicNames).size).toBe(6);
  });

  it('covers every family', () => {
    expect(Object.keys(expectedTopic).sort()).toEqual(Object.keys(eventFamilies).sort());
  });

  it.each(eventTypes)('routes %s to exactly one declared topic with a non-empty key', (type: EventType) => {
    const event = sampleEvent(type);
    const topic = topicFor(event);
    expect(topic).toBe(expectedTopic[type.split('.')[0]]);
    expect(topicNames.filter((name) => name === topic)).toHaveLength(1);
    expect(topicFor(type)).toBe(topic);
    expect(keyFor(event)).toMatch(/.+/);
  });

  it.each<[EventType, string]>([
    ['job.assigned', 'stream-42'],
    ['technician.shift_started', 'stream-42'],
    ['device.revoked', 'stream-42'],
  ])('keys dispatch event %s by stream id', (type, streamId) => {
    expect(keyFor(sampleEvent(type, { streamId }))).toBe(streamId);
  });

  it.each<[EventType, string]>([
    ['telemetry.location_reported', 'dev-1'],
    ['telemetry.reading_reported', 'dev-3'],
    ['telemetry.status_reported', 'dev-3'],
    ['tracking.geofence_entered', 'tech-1'],
    ['chat.message_posted', 'job-1'],
    ['presence.device_connected', 'dev-1'],
    ['presence.device_disconnected', 'dev-1'],
    ['presence.device_stale', 'dev-1'],
    ['presence.user_online', 'user-1'],
    ['presence.user_idle', 'user-1'],
    ['presence.user_offline', 'user-1'],
    ['call.created', 'call-1'],
    ['call.ended', 'call-1'],
  ])('keys %s by its subject (%s)', (type, key) => {
    expect(keyFor(sampleEvent(type, { streamId: 'something-else' }))).toBe(key);
  });

  it('keys dead letters by source id', () => {
    const record = deadLetter({ source: 'ingest.mqtt', sourceId: 'client-9', reason: 'r', code: 'malformed_json', raw: Buffer.from('x') });
    expect(keyForDeadLetter(record)).toBe('client-9');
  });
});

import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { type EventData, type EventType, type FieldlineEvent, keyFor, newEnvelope, serializeEvent, topicFor } from '#libs/events';

// Events for tests that feed Kafka directly: built with the real envelope, produced like the apps do.

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
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const e of events) byTopic.set(topicFor(e), [...(byTopic.get(topicFor(e)) ?? []), { key: keyFor(e), value: serializeEvent(e) }]);
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
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

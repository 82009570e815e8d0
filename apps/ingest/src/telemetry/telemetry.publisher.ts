import { Injectable } from '@nestjs/common';
import { deadLetter, type DeadLetterCode, keyFor, newEnvelope, serializeDeadLetter, serializeEvent, topicFor, topics } from '#libs/events';
import { KafkaBackpressureError, KafkaService, type OutgoingRecord } from '#libs/kafka';
import { Clock, Metrics, traceparentOf } from '#libs/platform';
import type { KnownDevice } from '../devices/device.repository';
import type { Mapped } from './telemetry-mapper';

export interface PublishCounters {
  accepted: number;
  deadLettered: number;
}

/**
 * The one hand-off to Kafka for every ingest protocol: a mapped message becomes an event on its topic
 * (keyed by device, so each device's order holds), a refused one a dead-letter record. Resolves only
 * when Kafka acknowledged, so callers acknowledge their device after it and not before.
 */
@Injectable()
export class TelemetryPublisher {
  readonly counters: PublishCounters = { accepted: 0, deadLettered: 0 };

  private readonly deadLetters;

  constructor(
    private readonly kafka: KafkaService,
    private readonly clock: Clock,
    metrics: Metrics,
  ) {
    this.deadLetters = metrics.counter({ name: 'fieldline_dead_letters_total', help: 'Device messages dead-lettered, by reason code', labelNames: ['code'] as const });
  }

  /**
   * `headers` are added to the record (e.g. which ingest node handled it, in scale-out mode);
   * `traceparent` is the trace the event joins (by default the active span's: the publish's).
   */
  async publish(
    device: KnownDevice,
    mapped: Mapped,
    raw: Buffer,
    source: string,
    headers: Record<string, string> = {},
    traceparent: string | undefined = traceparentOf(),
  ): Promise<'accepted' | 'dead-lettered' | 'ignored'> {
    if (!mapped.ok) {
      await this.deadLetter(device, mapped.code, mapped.reason, raw, source);
      return 'dead-lettered';
    }
    if (mapped.type === 'ignored') return 'ignored';
    const event = newEnvelope(
      {
        type: mapped.type,
        data: mapped.data as never,
        tenantId: device.tenantId,
        streamId: device.deviceId,
        actor: { kind: 'device', id: device.deviceId },
        occurredAt: mapped.occurredAt,
        traceparent, // the fix's path to the screens is one trace
      },
      { clock: () => this.clock.now() },
    );
    await this.send([
      {
        topic: topicFor(event),
        key: keyFor(event),
        value: serializeEvent(event),
        headers: { ...headers, 'tenant-id': device.tenantId, 'event-type': event.type },
        timestamp: mapped.occurredAt,
      },
    ]);
    this.counters.accepted++;
    return 'accepted';
  }

  async deadLetter(device: KnownDevice | { deviceId: string; tenantId: null }, code: DeadLetterCode, reason: string, raw: Buffer, source: string): Promise<void> {
    const record = deadLetter({ source, sourceId: device.deviceId, tenantId: device.tenantId, code, reason, raw });
    const headers: Record<string, string> = device.tenantId ? { 'tenant-id': device.tenantId } : {};
    await this.send([{ topic: topics.dlq.name, key: device.deviceId, value: serializeDeadLetter(record), headers }]);
    this.counters.deadLettered++;
    this.deadLetters.inc({ code });
  }

  /** A full producer queue is waited out, not turned into an error: the device just waits longer for its ack. */
  private async send(records: OutgoingRecord[]): Promise<void> {
    for (;;) {
      try {
        return await this.kafka.send(records);
      } catch (error) {
        if (!(error instanceof KafkaBackpressureError)) throw error;
        await this.kafka.producerDrained();
      }
    }
  }
}

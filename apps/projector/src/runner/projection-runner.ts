import { Injectable } from '@nestjs/common';
import type { EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import { deadLetter, type FieldlineEvent, parseEvent, serializeDeadLetter, topics } from '#libs/events';
import { KafkaService } from '#libs/kafka';

/**
 * A projection: a pure-ish reaction to a batch of events that writes idempotently. The runner
 * commits the batch's offsets only after `apply` resolved, so a crash replays, never skips.
 */
export interface Projection {
  /** Short name: consumer group `fieldline-projector-<name>`, DLQ source `projector.<name>`. */
  readonly name: string;
  readonly topics: string[];
  apply(events: FieldlineEvent[]): Promise<void>;
  /** Partition batches handled at once (default 1). */
  readonly concurrency?: number;
  /** Partitions moved (rebalance): drop any cache keyed by what this instance owned. */
  onRebalance?(): void;
}

export interface ProjectionStats {
  events: number;
  batches: number;
  deadLettered: number;
  lastBatchAt?: string;
}

/**
 * Runs projections as Kafka consumer groups (one consumer each, from the start of the log for a new
 * group). Unreadable records go to the dead-letter topic with their coordinates and are skipped;
 * a failing `apply` throws, so kafkajs restarts the consumer and the batch is delivered again.
 * KafkaService disconnects the consumers on shutdown, which commits what was resolved.
 */
@Injectable()
export class ProjectionRunner {
  readonly stats = new Map<string, ProjectionStats>();

  constructor(private readonly kafka: KafkaService) {}

  async start(projection: Projection, logger: Logger, group: { prefix: string; sessionTimeoutMs: number }): Promise<void> {
    const stats: ProjectionStats = { events: 0, batches: 0, deadLettered: 0 };
    this.stats.set(projection.name, stats);
    const consumer = this.kafka.consumer({
      groupId: `${group.prefix}-${projection.name}`,
      sessionTimeout: group.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, group.sessionTimeoutMs / 3),
      maxBytesPerPartition: 2 * 1024 * 1024,
    });
    consumer.on(consumer.events.GROUP_JOIN, () => projection.onRebalance?.());
    await consumer.connect();
    await consumer.subscribe({ topics: projection.topics, fromBeginning: true });
    await consumer.run({
      // Batches of different partitions overlap: one waits on the database while another is parsed
      // or written to Redis. Order holds per partition, which is what keys promise.
      partitionsConsumedConcurrently: projection.concurrency ?? 1,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.handle(projection, stats, payload, logger),
    });
  }

  private async handle(projection: Projection, stats: ProjectionStats, payload: EachBatchPayload, logger: Logger): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    if (!isRunning() || isStale()) return;
    const events: FieldlineEvent[] = [];
    const bad = [];
    for (const message of batch.messages) {
      const parsed = message.value ? parseEvent(message.value) : ({ ok: false, code: 'malformed_json', reason: 'empty record' } as const);
      if (parsed.ok) events.push(parsed.event);
      else {
        bad.push(
          deadLetter({
            source: `projector.${projection.name}`,
            sourceId: `${batch.topic}/${batch.partition}/${message.offset}`,
            code: parsed.code,
            reason: parsed.reason,
            raw: message.value ?? Buffer.alloc(0),
            tenantId: message.headers?.['tenant-id']?.toString() ?? null,
          }),
        );
      }
    }
    if (bad.length > 0) {
      await this.kafka.send(bad.map((record) => ({ topic: topics.dlq.name, key: record.sourceId, value: serializeDeadLetter(record) })));
      stats.deadLettered += bad.length;
      logger.warn({ projection: projection.name, count: bad.length, first: bad[0]?.reason }, 'unreadable records dead-lettered');
    }
    if (events.length > 0) await projection.apply(events);
    const last = batch.messages.at(-1);
    if (last) resolveOffset(last.offset);
    stats.events += events.length;
    stats.batches++;
    stats.lastBatchAt = new Date().toISOString();
    await heartbeat();
  }
}

import { setImmediate } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import { DatabaseUnavailableError } from '#libs/timescale';
import type { Logger } from 'pino';
import { deadLetter, type FieldlineEvent, parseEvent, serializeDeadLetter, topics } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { Clock, inSpan, Metrics, tracesExported } from '#libs/platform';

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
  /**
   * How long a fetch may wait for more records (default: return with the first). A throughput
   * projection asks for big batches: fewer, larger writes, at the cost of that much delay.
   */
  readonly fetch?: { minBytes: number; maxWaitTimeInMs: number };
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
 * How often processed offsets are committed. kafkajs commits after every batch, and a live projection
 * takes hundreds of small batches a second: each one an OffsetCommit the broker writes. Writes are
 * idempotent, so a crash (or a rebalance) replays at most this much.
 */
const COMMIT_INTERVAL_MS = 1_000;

/** Records parsed between yields to the event loop (~2 ms of work). */
const PARSE_SLICE = 100;

interface Running {
  consumer: Consumer;
  /** The next offset to read, per `topic/partition`, processed and not yet committed. */
  processed: Map<string, TopicPartitionOffsetAndMetadata>;
  timer: NodeJS.Timeout;
  committing?: Promise<void>;
  logger: Logger;
}

/**
 * Runs projections as Kafka consumer groups (one consumer each, from the start of the log for a new
 * group). Unreadable records go to the dead-letter topic with their coordinates and are skipped;
 * a failing `apply` throws, so kafkajs restarts the consumer and the batch is delivered again.
 * Offsets are committed every COMMIT_INTERVAL_MS and on shutdown.
 */
@Injectable()
export class ProjectionRunner implements BeforeApplicationShutdown {
  readonly stats = new Map<string, ProjectionStats>();
  private readonly running: Running[] = [];

  private readonly measure;

  constructor(
    private readonly kafka: KafkaService,
    private readonly clock: Clock,
    metrics: Metrics,
  ) {
    // per projection (a handful); batch sizes, times and lag per group come from KafkaService
    this.measure = {
      events: metrics.counter({ name: 'fieldline_projection_events_total', help: 'Events a projection applied', labelNames: ['projection'] as const }),
      deadLettered: metrics.counter({ name: 'fieldline_projection_dead_letters_total', help: 'Unreadable records a projection dead-lettered', labelNames: ['projection'] as const }),
    };
  }

  async start(projection: Projection, logger: Logger, group: { prefix: string; sessionTimeoutMs: number }): Promise<void> {
    const stats: ProjectionStats = { events: 0, batches: 0, deadLettered: 0 };
    this.stats.set(projection.name, stats);
    const consumer = this.kafka.consumer({
      groupId: `${group.prefix}-${projection.name}`,
      sessionTimeout: group.sessionTimeoutMs,
      heartbeatInterval: Math.min(3_000, group.sessionTimeoutMs / 3),
      maxBytesPerPartition: 2 * 1024 * 1024,
      ...(projection.fetch ?? {}),
    });
    const running: Running = { consumer, processed: new Map(), logger, timer: setInterval(() => void this.commit(running), COMMIT_INTERVAL_MS) };
    this.running.push(running);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      // Partitions may have moved: offsets held for them belong to their new owner now (it replays them).
      running.processed.clear();
      projection.onRebalance?.();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: projection.topics, fromBeginning: true });
    await consumer.run({
      // Batches of different partitions overlap: one waits on the database while another is parsed
      // or written to Redis. Order holds per partition, which is what keys promise.
      partitionsConsumedConcurrently: projection.concurrency ?? 1,
      eachBatchAutoResolve: false,
      autoCommit: false,
      eachBatch: (payload) => this.handle(projection, stats, payload, logger, running.processed),
    });
  }

  /**
   * Applies a batch, waiting out an unavailable database (heartbeating, so the group keeps the
   * partition): the projection pauses where it is and goes on when the database is back, instead of
   * failing the batch over and over. Offsets move only past what was written.
   */
  private async applyWhenAvailable(projection: Projection, events: FieldlineEvent[], payload: EachBatchPayload, logger: Logger): Promise<void> {
    for (let delayMs = 250, since = 0; ; delayMs = Math.min(delayMs * 2, 5_000)) {
      try {
        await projection.apply(events);
        if (since) logger.info({ projection: projection.name, pausedMs: Date.now() - since }, 'database back: projecting again');
        return;
      } catch (error) {
        if (!(error instanceof DatabaseUnavailableError) || !payload.isRunning() || payload.isStale()) throw error;
        if (!since) {
          since = Date.now();
          logger.warn({ projection: projection.name, err: error.message }, 'database unavailable: projection paused until it answers');
        }
        await new Promise((r) => setTimeout(r, delayMs));
        await payload.heartbeat();
      }
    }
  }

  private async handle(projection: Projection, stats: ProjectionStats, payload: EachBatchPayload, logger: Logger, processed: Running['processed']): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    if (!isRunning() || isStale()) return;
    const events: FieldlineEvent[] = [];
    const bad = [];
    for (const [i, message] of batch.messages.entries()) {
      // A large batch (a throughput projection, a catch-up) is parsed in slices, so another
      // projection's small batches in this process do not wait behind it.
      if (i > 0 && i % PARSE_SLICE === 0) await setImmediate();
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
      this.measure.deadLettered.inc({ projection: projection.name }, bad.length);
      logger.warn({ projection: projection.name, count: bad.length, first: bad[0]?.reason }, 'unreadable records dead-lettered');
    }
    if (events.length > 0) await this.applyWhenAvailable(projection, events, payload, logger);
    const last = batch.messages.at(-1);
    if (last) {
      resolveOffset(last.offset);
      processed.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() });
    }
    stats.events += events.length;
    stats.batches++;
    if (events.length > 0) this.measure.events.inc({ projection: projection.name }, events.length);
    // each event's projection joins the trace of what produced it (the device's publish, the request),
    // when the span goes somewhere: exported, or as the context of a debug line
    const traced = tracesExported() || logger.isLevelEnabled('debug');
    for (const event of traced ? events : []) {
      if (event.traceparent) {
        inSpan(`project ${projection.name}`, { parent: event.traceparent, kind: SpanKind.CONSUMER }, () => {
          if (logger.isLevelEnabled('debug')) logger.debug({ projection: projection.name, eventId: event.id, type: event.type }, 'projected');
        });
      }
    }
    stats.lastBatchAt = this.clock.now().toISOString();
    await heartbeat();
  }

  private commit(running: Running): Promise<void> {
    running.committing ??= this.commitProcessed(running).finally(() => (running.committing = undefined));
    return running.committing;
  }

  private async commitProcessed(running: Running): Promise<void> {
    if (running.processed.size === 0) return;
    const offsets = [...running.processed.values()];
    running.processed.clear();
    try {
      await running.consumer.commitOffsets(offsets);
    } catch (error) {
      // A rebalance or a broker away: the next round commits newer offsets, or the new owner replays.
      for (const o of offsets) if (!running.processed.has(`${o.topic}/${o.partition}`)) running.processed.set(`${o.topic}/${o.partition}`, o);
      running.logger.debug({ err: (error as Error).message }, 'offset commit failed; retrying next round');
    }
  }

  /**
   * Commits what was processed, then stops the consumers (kafkajs takes no commit from a stopped
   * consumer); a batch still in flight then is projected again on the next start, idempotently.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.running.map(async (running) => {
        clearInterval(running.timer);
        await running.committing;
        await this.commit(running);
        await running.consumer.stop().catch(() => undefined);
      }),
    );
  }
}

import { setImmediate } from 'node:timers/promises';
import { type ArgumentsHost, Catch, type INestApplication, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { SpanKind } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, TopicPartitionOffsetAndMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import { isObservable, lastValueFrom, type Observable, throwError } from 'rxjs';
import { deadLetter, type FieldlineEvent, parseEvent, serializeDeadLetter, topics } from '#libs/events';
import { Clock, inSpan, Metrics, tracesExported } from '#libs/platform';
import { KafkaService } from './kafka.service';

/**
 * What an `@EventPattern(name, extras)` handler of this transport consumes: `name` is its consumer
 * group's suffix (and the DLQ source's), `extras` say what it reads and how.
 */
export interface KafkaEventsExtras {
  topics: string[];
  /** Partition batches handled at once (default 1); order holds per partition, which is what keys promise. */
  concurrency?: number;
  /** How long a fetch may wait for more records (default: return with the first); a throughput consumer asks for big batches. */
  fetch?: { minBytes: number; maxWaitTimeInMs: number };
}

/**
 * The `@Ctx()` of a handler: the batch's topic and partition, and the consumer group's generation,
 * which moves at each rebalance (partitions may have moved: drop what was cached for them).
 */
export class KafkaBatchContext extends BaseRpcContext<[topic: string, partition: number, generation: number]> {
  get topic(): string {
    return this.args[0];
  }

  get partition(): number {
    return this.args[1];
  }

  get generation(): number {
    return this.args[2];
  }
}

/**
 * Event handlers answer nothing, and the transport must see what they threw (a database away is
 * waited out, anything else fails the batch, so Kafka delivers it again): Nest's default RPC filter
 * would turn every error into a generic one. Put it on controllers of this transport.
 */
@Catch()
export class RethrowRpcErrors implements RpcExceptionFilter {
  catch(error: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => error);
  }
}

export interface KafkaEventsServerOptions {
  kafka: KafkaService;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  /** The consumer group of a handler. */
  groupOf: (pattern: string) => string;
  /** The handlers to run (e.g. PROJECTOR_PROJECTIONS); every one when absent. */
  only?: readonly string[];
  /** DLQ source prefix: `<source>.<pattern>`. */
  source: string;
  sessionTimeoutMs?: number;
  /** An error the batch waits out (heartbeating, keeping its partitions) instead of failing: a database that is away. */
  waitOut?: (error: unknown) => boolean;
}

/**
 * How often processed offsets are committed. kafkajs commits after every batch, and a live consumer
 * takes hundreds of small batches a second: each one an OffsetCommit the broker writes. Handlers write
 * idempotently, so a crash (or a rebalance) replays at most this much.
 */
const COMMIT_INTERVAL_MS = 1_000;
/** Records parsed between yields to the event loop (~2 ms of work). */
const PARSE_SLICE = 100;
/** How long a consumer Kafka refused waits before it tries to join again. */
const REJOIN_MS = 5_000;

interface Group {
  pattern: string;
  consumer?: Consumer;
  /** The next offset to read, per `topic/partition`, processed and not yet committed. */
  processed: Map<string, TopicPartitionOffsetAndMetadata>;
  generation: number;
  committing?: Promise<void>;
  joined: boolean;
}

export interface KafkaEventsStats {
  events: number;
  batches: number;
  deadLettered: number;
  lastBatchAt?: string;
}

/**
 * A Nest microservice transport (`CustomTransportStrategy`) for our event topics: each
 * `@EventPattern` handler is a Kafka consumer group that gets whole batches of parsed events, and
 * its offsets move only past batches the handler finished — a crash replays, never skips. Unreadable
 * records go to the dead-letter topic with their coordinates and are skipped. A new group reads from
 * the start of the log. A group Kafka refuses keeps trying in the background; the app serves meanwhile.
 */
export class KafkaEventsServer extends Server implements CustomTransportStrategy {
  readonly stats = new Map<string, KafkaEventsStats>();
  private readonly groups: Group[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly measure;

  constructor(private readonly options: KafkaEventsServerOptions) {
    super();
    // per handler (a handful); batch sizes, times and lag per group come from KafkaService
    this.measure = {
      events: options.metrics.counter({ name: 'fieldline_projection_events_total', help: 'Events a projection applied', labelNames: ['projection'] as const }),
      deadLettered: options.metrics.counter({ name: 'fieldline_projection_dead_letters_total', help: 'Unreadable records a projection dead-lettered', labelNames: ['projection'] as const }),
    };
  }

  listen(callback: () => void): void {
    this.running = true;
    for (const [pattern, handler] of this.getHandlers()) {
      if (!handler.isEventHandler || (this.options.only && !this.options.only.includes(pattern))) continue;
      const group: Group = { pattern, processed: new Map(), generation: 0, joined: false };
      this.groups.push(group);
      void this.join(group, handler, handler.extras as KafkaEventsExtras);
    }
    this.timer = setInterval(() => this.groups.forEach((g) => void this.commit(g)), COMMIT_INTERVAL_MS);
    this.options.logger.info({ handlers: this.groups.map((g) => g.pattern) }, 'Kafka event handlers starting');
    callback();
  }

  /** Connects, subscribes and runs the group's consumer; retries while Kafka refuses. */
  private async join(group: Group, handler: MessageHandler, extras: KafkaEventsExtras): Promise<void> {
    const stats: KafkaEventsStats = { events: 0, batches: 0, deadLettered: 0 };
    this.stats.set(group.pattern, stats);
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    for (let failures = 0; this.running; failures++) {
      const consumer = this.options.kafka.consumer({
        groupId: this.options.groupOf(group.pattern),
        sessionTimeout,
        heartbeatInterval: Math.min(3_000, sessionTimeout / 3),
        maxBytesPerPartition: 2 * 1024 * 1024,
        ...(extras.fetch ?? {}),
      });
      group.consumer = consumer;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // Partitions may have moved: offsets held for them belong to their new owner now (it replays them).
        group.processed.clear();
        group.generation++;
      });
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: extras.topics, fromBeginning: true });
        await consumer.run({
          // Batches of different partitions overlap: one waits on the database while another is parsed.
          partitionsConsumedConcurrently: extras.concurrency ?? 1,
          eachBatchAutoResolve: false,
          autoCommit: false,
          eachBatch: (payload) => this.handle(group, handler, stats, payload),
        });
        group.joined = true;
        return;
      } catch (error) {
        if (!this.running) return; // stopped while joining: not a failure
        if (failures % 12 === 0) this.options.logger.warn({ handler: group.pattern, err: (error as Error).message }, 'Kafka consumer could not start; retrying');
        await consumer.disconnect().catch(() => undefined);
        await new Promise((r) => setTimeout(r, REJOIN_MS).unref());
      }
    }
  }

  private async handle(group: Group, handler: MessageHandler, stats: KafkaEventsStats, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    if (!isRunning() || isStale()) return;
    const { logger } = this.options;
    const events: FieldlineEvent[] = [];
    const bad = [];
    for (const [i, message] of batch.messages.entries()) {
      // A large batch (a throughput handler, a catch-up) is parsed in slices, so another handler's
      // small batches in this process do not wait behind it.
      if (i > 0 && i % PARSE_SLICE === 0) await setImmediate();
      const parsed = message.value ? parseEvent(message.value) : ({ ok: false, code: 'malformed_json', reason: 'empty record' } as const);
      if (parsed.ok) events.push(parsed.event);
      else {
        bad.push(
          deadLetter({
            source: `${this.options.source}.${group.pattern}`,
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
      await this.options.kafka.send(bad.map((record) => ({ topic: topics.dlq.name, key: record.sourceId, value: serializeDeadLetter(record) })));
      stats.deadLettered += bad.length;
      this.measure.deadLettered.inc({ projection: group.pattern }, bad.length);
      logger.warn({ projection: group.pattern, count: bad.length, first: bad[0]?.reason }, 'unreadable records dead-lettered');
    }
    if (events.length > 0) await this.applyWaitingOut(group, handler, events, new KafkaBatchContext([batch.topic, batch.partition, group.generation]), payload);
    const last = batch.messages.at(-1);
    if (last) {
      resolveOffset(last.offset);
      group.processed.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() });
    }
    stats.events += events.length;
    stats.batches++;
    if (events.length > 0) this.measure.events.inc({ projection: group.pattern }, events.length);
    // each event's handling joins the trace of what produced it (the device's publish, the request),
    // when the span goes somewhere: exported, or as the context of a debug line
    const traced = tracesExported() || logger.isLevelEnabled('debug');
    for (const event of traced ? events : []) {
      if (event.traceparent) {
        inSpan(`project ${group.pattern}`, { parent: event.traceparent, kind: SpanKind.CONSUMER }, () => {
          if (logger.isLevelEnabled('debug')) logger.debug({ projection: group.pattern, eventId: event.id, type: event.type }, 'projected');
        });
      }
    }
    stats.lastBatchAt = this.options.clock.now().toISOString();
    await heartbeat();
  }

  /**
   * Runs the handler on a batch, waiting out what `waitOut` names (heartbeating, so the group keeps
   * the partition): the handler pauses where it is and goes on when its dependency is back, instead
   * of failing the batch over and over. Anything else fails the batch: kafkajs restarts the consumer
   * and the batch comes again.
   */
  private async applyWaitingOut(group: Group, handler: MessageHandler, events: FieldlineEvent[], context: KafkaBatchContext, payload: EachBatchPayload): Promise<void> {
    const { logger, waitOut } = this.options;
    for (let delayMs = 250, since = 0; ; delayMs = Math.min(delayMs * 2, 5_000)) {
      try {
        const result = await handler(events, context);
        if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        if (since) logger.info({ projection: group.pattern, pausedMs: Date.now() - since }, 'dependency back: handling again');
        return;
      } catch (error) {
        if (!waitOut?.(error) || !payload.isRunning() || payload.isStale()) throw error;
        if (!since) {
          since = Date.now();
          logger.warn({ projection: group.pattern, err: (error as Error).message }, 'dependency unavailable: handler paused until it answers');
        }
        await new Promise((r) => setTimeout(r, delayMs));
        await payload.heartbeat();
      }
    }
  }

  private commit(group: Group): Promise<void> {
    group.committing ??= this.commitProcessed(group).finally(() => (group.committing = undefined));
    return group.committing;
  }

  private async commitProcessed(group: Group): Promise<void> {
    if (group.processed.size === 0 || !group.consumer) return;
    const offsets = [...group.processed.values()];
    group.processed.clear();
    try {
      await group.consumer.commitOffsets(offsets);
    } catch (error) {
      // A rebalance or a broker away: the next round commits newer offsets, or the new owner replays.
      for (const o of offsets) if (!group.processed.has(`${o.topic}/${o.partition}`)) group.processed.set(`${o.topic}/${o.partition}`, o);
      this.options.logger.debug({ err: (error as Error).message }, 'offset commit failed; retrying next round');
    }
  }

  /**
   * Commits what was processed, then stops the consumers (kafkajs takes no commit from a stopped
   * consumer); a batch still in flight then is handled again on the next start, idempotently. A
   * consumer still joining its group would hold the stop until the rebalance ends: it is let go.
   */
  async close(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await Promise.all(
      this.groups.map(async (group) => {
        await group.committing;
        await this.commit(group);
        if (group.joined) await group.consumer?.stop().catch(() => undefined);
        else void group.consumer?.disconnect().catch(() => undefined);
      }),
    );
  }

  on(): never {
    throw new Error('KafkaEventsServer has no events to listen to');
  }

  unwrap<T>(): T {
    return this.groups.map((g) => g.consumer) as T;
  }
}

/**
 * Connects the app's `@EventPattern` handlers to Kafka (a hybrid app: HTTP for the API, health and
 * metrics beside them) once its modules are up — migrations done, connections open — and starts them.
 */
export async function startKafkaEventHandlers(app: INestApplication, options: Omit<KafkaEventsServerOptions, 'kafka' | 'clock' | 'metrics'>): Promise<KafkaEventsServer> {
  await app.init();
  const strategy = new KafkaEventsServer({ ...options, kafka: app.get(KafkaService), clock: app.get(Clock), metrics: app.get(Metrics) });
  app.connectMicroservice({ strategy });
  await app.startAllMicroservices();
  return strategy;
}

import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { type Admin, type Consumer, type ConsumerConfig, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { Metrics } from '#libs/platform';
import type { BatchingProducerOptions, OutgoingRecord } from './batching-producer';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-logger';
import { ProducerConnection, type ProducerPlacement, type RecordProducer } from './producer-connection';
import { ProducerThread } from './producer-thread';

/** How long a consumer gets to leave its group at shutdown before the process goes without it. */
const CONSUMER_LEAVE_MS = 5_000;

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Topics this app needs: created at start if missing (the brokers never auto-create). */
  topics?: readonly { name: string; partitions: number }[];
  producer?: Partial<BatchingProducerOptions> & {
    /** `thread`: encode and send on a worker thread, for processes whose own thread is their bottleneck (ingest). */
    runOn?: ProducerPlacement;
  };
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

/**
 * The Kafka adapter: one idempotent producer per process (acks=all, sends funnelled by
 * BatchingProducer, on this thread or its own), consumers on demand, topic creation, a ping for
 * readiness. Everything it opened is closed on shutdown, consumers first.
 */
@Injectable()
export class KafkaService implements OnApplicationShutdown {
  readonly kafka: Kafka;
  private readonly producer: RecordProducer;
  private readonly consumers = new Set<Consumer>();
  private adminReady?: Promise<Admin>;
  private readonly measure?: KafkaMetrics;

  constructor(
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaOptions,
    @Optional() metrics?: Metrics,
  ) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logCreator: kafkaLogCreator(options.logger),
      logLevel: kafkaLogLevel(options.logger.level),
    });
    const producer: BatchingProducerOptions = {
      maxBatchRecords: options.producer?.maxBatchRecords ?? 2000,
      maxQueuedBytes: options.producer?.maxQueuedBytes ?? 32 * 1024 * 1024,
      lingerMs: options.producer?.lingerMs ?? 0,
    };
    this.producer =
      options.producer?.runOn === 'thread'
        ? new ProducerThread({ brokers: options.brokers, clientId: options.clientId, logLevel: kafkaLogLevel(options.logger.level), producer }, options.logger)
        : new ProducerConnection(this.kafka, producer);
    if (metrics) this.measure = kafkaMetrics(metrics, () => this.producer.pressure);
  }

  /** Sends records; resolves once the brokers acknowledged all of them. */
  send(records: OutgoingRecord[]): Promise<void> {
    const measure = this.measure;
    if (!measure) return this.producer.send(records);
    const started = performance.now();
    return this.producer.send(records).then(
      () => measure.produceSeconds.observe((performance.now() - started) / 1000),
      (error: unknown) => {
        measure.produceFailures.inc();
        throw error;
      },
    );
  }

  /** The producer queue's fill level (0–1), for callers that pause their sources under load. */
  get producerPressure(): number {
    return this.producer.pressure;
  }

  /** Resolves when nothing the producer accepted is still waiting for the brokers. */
  producerDrained(): Promise<void> {
    return this.producer.drained();
  }

  /** A consumer in `groupId`; the caller subscribes and runs it. It is disconnected on shutdown. */
  consumer(config: ConsumerConfig): Consumer {
    const consumer = this.kafka.consumer({ allowAutoTopicCreation: false, ...config });
    this.consumers.add(consumer);
    const measure = this.measure;
    if (measure) {
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const labels = { group: config.groupId, topic: payload.topic, partition: String(payload.partition) };
        measure.consumerLag.set(labels, Number(payload.offsetLag));
        measure.batchRecords.observe({ group: config.groupId }, payload.batchSize);
        measure.batchSeconds.observe({ group: config.groupId }, payload.duration / 1000);
      });
    }
    return consumer;
  }

  admin(): Promise<Admin> {
    this.adminReady ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.adminReady = undefined;
      throw error;
    });
    return this.adminReady;
  }

  /** Creates the missing topics (idempotent, safe from several processes at once). */
  async ensureTopics(topics: readonly TopicSpec[] = this.options.topics ?? []): Promise<void> {
    if (topics.length === 0) return;
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })),
    });
    this.options.logger.info({ topics: missing.map((t) => t.name) }, 'created Kafka topics');
  }

  /** Readiness: the cluster answers a metadata request. */
  async ping(): Promise<{ brokers: number; controller: number | null }> {
    const cluster = await (await this.admin()).describeCluster();
    return { brokers: cluster.brokers.length, controller: cluster.controller };
  }

  async onApplicationShutdown(): Promise<void> {
    // A consumer still joining its group leaves only when the rebalance ends (up to the slowest member's
    // session): it gets a few seconds, then the process goes without it and the broker drops it later.
    const leave = (c: Consumer) => Promise.race([c.disconnect(), new Promise<void>((r) => setTimeout(r, CONSUMER_LEAVE_MS).unref())]);
    await Promise.allSettled([...this.consumers].map(leave));
    await this.producer.close();
    if (this.adminReady) await (await this.adminReady.catch(() => undefined))?.disconnect();
  }
}

type KafkaMetrics = ReturnType<typeof kafkaMetrics>;

/** The adapter's series: produce latency and failures, the producer queue, consumer lag and batches per group. */
function kafkaMetrics(metrics: Metrics, pressure: () => number) {
  metrics.gauge({
    name: 'fieldline_kafka_producer_queue_fill_ratio',
    help: 'How full the producer queue is (0-1); sources pause near 0.8',
    collect() {
      this.set(pressure());
    },
  });
  return {
    produceSeconds: metrics.histogram({ name: 'fieldline_kafka_produce_seconds', help: 'Time from handing records to the producer to the brokers acknowledging them (acks=all)' }),
    produceFailures: metrics.counter({ name: 'fieldline_kafka_produce_failures_total', help: 'Sends the brokers did not acknowledge' }),
    // partition-level: a bounded set (topics × partitions × groups), never per tenant
    consumerLag: metrics.gauge({ name: 'fieldline_kafka_consumer_lag', help: 'Records behind the partition end after the last batch', labelNames: ['group', 'topic', 'partition'] as const }),
    batchRecords: metrics.histogram({ name: 'fieldline_kafka_consumer_batch_records', help: 'Records per consumed batch', labelNames: ['group'] as const, buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000] }),
    batchSeconds: metrics.histogram({ name: 'fieldline_kafka_consumer_batch_seconds', help: 'Time to process a consumed batch', labelNames: ['group'] as const }),
  };
}

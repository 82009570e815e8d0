import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { type Admin, ConfigResourceTypes, ConfigSource, type Consumer, type ConsumerConfig, Kafka } from 'kafkajs';
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
  topics?: readonly TopicSpec[];
  /** Copies of each partition (the cluster's size, up to 3); min.insync.replicas follows (2 of 3, else 1). */
  replicationFactor?: number;
  producer?: Partial<BatchingProducerOptions> & {
    /** `thread`: encode and send on a worker thread, for processes whose own thread is their bottleneck (ingest). */
    runOn?: ProducerPlacement;
  };
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** retention.ms / retention.bytes (-1: unbounded); broker defaults when absent. */
  retention?: { ms: number; bytes: number };
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
    consumer.on(consumer.events.DISCONNECT, () => this.consumers.delete(consumer));
    const measure = this.measure;
    if (measure) {
      // the partitions this consumer reports lag for: dropped when a rebalance may have moved them, so a
      // partition another instance now reads is not reported twice, or frozen at its last lag
      const reported = new Map<string, { group: string; topic: string; partition: string }>();
      const forget = () => {
        for (const labels of reported.values()) measure.consumerLag.remove(labels);
        reported.clear();
      };
      consumer.on(consumer.events.GROUP_JOIN, forget);
      consumer.on(consumer.events.DISCONNECT, forget);
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const labels = { group: config.groupId, topic: payload.topic, partition: String(payload.partition) };
        reported.set(`${payload.topic}/${payload.partition}`, labels);
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

  /**
   * Creates the topics that are missing, with their partitions, replication, min.insync.replicas and
   * retention, and reconciles the ones that exist: retention and min.insync.replicas are set back to
   * the declaration (logged as drift); fewer partitions or another replication factor are logged only
   * (adding partitions would move keys between them; replication is changed by reassignment).
   */
  async ensureTopics(topics: readonly TopicSpec[] = this.options.topics ?? []): Promise<void> {
    if (topics.length === 0) return;
    const admin = await this.admin();
    const replication = this.options.replicationFactor ?? 1;
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: false, // kafkajs' wait gives up on the first UNKNOWN_TOPIC_OR_PARTITION: see leadersOf
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: replication,
          configEntries: Object.entries(topicConfig(t, replication)).map(([name, value]) => ({ name, value })),
        })),
      });
      await leadersOf(admin, missing.map((t) => t.name));
      this.options.logger.info({ topics: missing.map((t) => t.name), replication }, 'created Kafka topics');
    }
    const present = topics.filter((t) => existing.has(t.name));
    if (present.length > 0) await this.reconcile(admin, present, replication);
  }

  /**
   * Existing topics back to their declaration. Never fatal: a broker that refuses (no permission to alter
   * configs, a managed cluster's rules) leaves the topics as they are, with a warning — they exist, the app
   * runs. min.insync.replicas follows the topic's real replica count (a higher one would refuse every
   * acks=all send). kafkajs' alterConfigs replaces a topic's whole override set, so the overrides it has
   * (cleanup.policy, segment sizes …) are sent along, unchanged.
   */
  private async reconcile(admin: Admin, specs: readonly TopicSpec[], replication: number): Promise<void> {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: specs.map((t) => t.name) });
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: specs.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })) });
      const alter: { name: string; configEntries: { name: string; value: string }[] }[] = [];
      for (const spec of specs) {
        const topic = metadata.topics.find((t) => t.name === spec.name);
        const replicas = topic?.partitions[0]?.replicas.length ?? replication;
        if (topic && (topic.partitions.length < spec.partitions || replicas !== replication)) {
          this.options.logger.warn(
            { topic: spec.name, partitions: topic.partitions.length, declaredPartitions: spec.partitions, replicas, declaredReplicas: replication },
            'Kafka topic differs from its declaration (partitions or replication): reassign it by hand',
          );
        }
        const entries = described.resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
        const actual = new Map(entries.map((e) => [e.configName, e.configValue]));
        // only what the broker reports: a name it does not know would make it refuse the whole change
        const wanted = Object.entries(topicConfig(spec, replicas)).filter(([name]) => actual.has(name));
        const drift = wanted.filter(([name, value]) => actual.get(name) !== value);
        if (drift.length === 0) continue;
        this.options.logger.warn({ topic: spec.name, drift: Object.fromEntries(drift.map(([name, value]) => [name, { was: actual.get(name), now: value }])) }, 'Kafka topic config drifted: set back to its declaration');
        const overrides = entries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG).map((e) => [e.configName, e.configValue] as const);
        const merged = new Map<string, string>([...overrides, ...wanted]);
        alter.push({ name: spec.name, configEntries: [...merged].map(([name, value]) => ({ name, value })) });
      }
      if (alter.length > 0) await admin.alterConfigs({ validateOnly: false, resources: alter.map((r) => ({ type: ConfigResourceTypes.TOPIC, ...r })) });
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not check or reconcile the Kafka topics\' configs; they stay as they are');
    }
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

/** The broker config a topic is declared with: min.insync.replicas follows replication (2 of 3: one broker may be down). */
export function topicConfig(spec: TopicSpec, replication: number): Record<string, string> {
  return {
    'min.insync.replicas': String(replication >= 3 ? 2 : 1),
    ...(spec.retention ? { 'retention.ms': String(spec.retention.ms), 'retention.bytes': String(spec.retention.bytes) } : {}),
  };
}

/**
 * Until every partition of the topics just created has a leader. Right after CreateTopics a KRaft broker
 * may answer metadata with UNKNOWN_TOPIC_OR_PARTITION until the topic reaches its metadata cache; kafkajs'
 * `waitForLeaders` retries only LEADER_NOT_AVAILABLE and fails on that (tulios/kafkajs#1222; seen in a CI
 * run: an app booting on a fresh broker would fail to start). Any error is retried for 30 s, then thrown.
 */
async function leadersOf(admin: Admin, names: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    let last: unknown;
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      if (topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      last = new Error(`Kafka topics ${names.join(', ')} still lack a leader for some partition after ${timeoutMs / 1000} s`);
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, wait));
  }
}

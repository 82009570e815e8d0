import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Admin, type Consumer, type ConsumerConfig, Kafka, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { BatchingProducer, type BatchingProducerOptions, type OutgoingRecord } from './batching-producer';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-logger';

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Topics this app needs: created at start if missing (the brokers never auto-create). */
  topics?: readonly { name: string; partitions: number }[];
  producer?: Partial<BatchingProducerOptions>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

/**
 * The Kafka adapter: one idempotent producer per process (acks=all, sends funnelled by
 * BatchingProducer), consumers on demand, topic creation, a ping for readiness. Everything it opened
 * is closed on shutdown, consumers first.
 */
@Injectable()
export class KafkaService implements OnApplicationShutdown {
  readonly kafka: Kafka;
  private producerReady?: Promise<{ raw: Producer; batching: BatchingProducer }>;
  private readonly consumers = new Set<Consumer>();
  private adminReady?: Promise<Admin>;

  constructor(@Inject(KAFKA_OPTIONS) private readonly options: KafkaOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logCreator: kafkaLogCreator(options.logger),
      logLevel: kafkaLogLevel(options.logger.level),
    });
  }

  /** Sends records; resolves once the brokers acknowledged all of them. */
  async send(records: OutgoingRecord[]): Promise<void> {
    const { batching } = await this.producer();
    await batching.send(records);
  }

  private batching?: BatchingProducer;

  /** The producer queue's fill level (0–1), for callers that pause their sources under load. */
  get producerPressure(): number {
    return this.batching?.pressure ?? 0;
  }

  /** Resolves when nothing the producer accepted is still waiting for the brokers. */
  producerDrained(): Promise<void> {
    return this.batching?.drained() ?? Promise.resolve();
  }

  producer(): Promise<{ raw: Producer; batching: BatchingProducer }> {
    this.producerReady ??= (async () => {
      // The Java client's murmur2 partitioner (kafkajs' default since 2.0), named so it never changes under us.
      const raw = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      await raw.connect();
      const batching = new BatchingProducer(raw, {
        maxBatchRecords: this.options.producer?.maxBatchRecords ?? 2000,
        maxQueuedBytes: this.options.producer?.maxQueuedBytes ?? 32 * 1024 * 1024,
        lingerMs: this.options.producer?.lingerMs ?? 0,
      });
      this.batching = batching;
      return { raw, batching };
    })().catch((error: unknown) => {
      this.producerReady = undefined; // let the next send try again
      throw error;
    });
    return this.producerReady;
  }

  /** A consumer in `groupId`; the caller subscribes and runs it. It is disconnected on shutdown. */
  consumer(config: ConsumerConfig): Consumer {
    const consumer = this.kafka.consumer({ allowAutoTopicCreation: false, ...config });
    this.consumers.add(consumer);
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
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    if (this.producerReady) {
      const producer = await this.producerReady.catch(() => undefined);
      if (producer) {
        await producer.batching.drained();
        await producer.raw.disconnect();
      }
    }
    if (this.adminReady) await (await this.adminReady.catch(() => undefined))?.disconnect();
  }
}

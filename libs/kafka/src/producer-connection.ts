import type { Kafka, Producer } from 'kafkajs';
import { BatchingProducer, type BatchingProducerOptions, type OutgoingRecord } from './batching-producer';
import { recordingPartitioner } from './recording-partitioner';

/** Where a process's Kafka producer runs: on the process's own thread (`inline`) or on a worker thread (`thread`). */
export const producerPlacements = ['thread', 'inline'] as const;
export type ProducerPlacement = (typeof producerPlacements)[number];

/** Where a process's records go: on this thread (ProducerConnection) or on a thread of its own (ProducerThread). */
export interface RecordProducer {
  /** Resolves once the brokers acknowledged every record (acks=all); refuses with KafkaBackpressureError when full. */
  send(records: OutgoingRecord[]): Promise<void>;
  /** The queue's fill level: 0 when idle, 1 when full. */
  readonly pressure: number;
  /** Resolves when nothing accepted is still waiting for the brokers. */
  drained(): Promise<void>;
  /** Waits for what was accepted, then disconnects. */
  close(): Promise<void>;
}

/**
 * When a partition's leader dies, its writes wait until the controller has moved the leadership (the
 * HA shape fences a silent broker after 1.5 s) and kafkajs has retried. kafkajs' default backs off from
 * 300 ms doubling up to 30 s: after a few seconds of failover it looks again only every 10–30 s, a stall
 * of that length for every device (seen in the HA kill test). Here it looks at least every half second,
 * for about 20 s: this retry also drives the producer's metadata requests, and unbounded it would retry a
 * missing topic forever instead of answering the broker's error (kafkajs warns that bounded retries may
 * duplicate a record after the last one: consumers drop duplicates by message id).
 */
export const producerRetry = { initialRetryTime: 100, maxRetryTime: 500, retries: 40 };

/**
 * One idempotent producer (acks=all) behind a BatchingProducer, connected on first use. A failed
 * connect fails the sends that waited for it; the next send tries again.
 */
export class ProducerConnection implements RecordProducer {
  private ready?: Promise<{ raw: Producer; batching: BatchingProducer }>;
  private batching?: BatchingProducer;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: BatchingProducerOptions,
  ) {}

  async send(records: OutgoingRecord[]): Promise<void> {
    const { batching } = await this.open();
    await batching.send(records);
  }

  get pressure(): number {
    return this.batching?.pressure ?? 0;
  }

  drained(): Promise<void> {
    return this.batching?.drained() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    const producer = await this.ready?.catch(() => undefined);
    this.ready = undefined;
    if (!producer) return;
    await producer.batching.drained();
    await producer.raw.disconnect();
  }

  private open(): Promise<{ raw: Producer; batching: BatchingProducer }> {
    this.ready ??= (async () => {
      const raw = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: recordingPartitioner, retry: producerRetry });
      await raw.connect();
      this.batching = new BatchingProducer(raw, this.options);
      return { raw, batching: this.batching };
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

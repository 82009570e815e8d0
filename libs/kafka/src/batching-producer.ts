import type { Message, Producer, TopicMessages } from 'kafkajs';
import { chosenPartition } from './recording-partitioner';

export interface OutgoingRecord {
  topic: string;
  key: string;
  value: Buffer | string;
  headers?: Record<string, string>;
  /** Device or event time, kept as the record timestamp. */
  timestamp?: Date;
}

export interface BatchingProducerOptions {
  /** Most records in one produce request. */
  maxBatchRecords: number;
  /** Bytes waiting or in flight past which `send` refuses with KafkaBackpressureError. */
  maxQueuedBytes: number;
  /**
   * How long the oldest record of a request may wait for company (Kafka's own producer waits 5 ms
   * since 4.0); time spent queued behind the request in flight counts. Every produce request costs the broker, this process and every consumer woken by it about
   * the same whatever its size: at a few thousand records a second, 0 means hundreds of tiny requests.
   */
  lingerMs?: number;
}

/** The queue is full: the caller must slow down (withhold acks, stop reading a socket) and retry later. */
export class KafkaBackpressureError extends Error {
  constructor(queuedBytes: number) {
    super(`Kafka producer queue is full (${queuedBytes} bytes waiting); retry after it drains`);
    this.name = 'KafkaBackpressureError';
  }
}

/**
 * Bytes accepted and not yet acknowledged, against a bound: what both producer placements account
 * their queue with. A send that would pass the bound is refused, except into an empty queue (one
 * oversize send must still go through).
 */
export class ByteBudget {
  private used = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly max: number) {}

  get bytes(): number {
    return this.used;
  }

  /** 0 when idle, 1 when full: callers use it to pause their sources before sends are refused. */
  get pressure(): number {
    return Math.min(1, this.used / this.max);
  }

  /** Takes `bytes` or throws KafkaBackpressureError. */
  take(bytes: number): void {
    if (this.used > 0 && this.used + bytes > this.max) throw new KafkaBackpressureError(this.used);
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
    if (this.used === 0) for (const waiter of this.drainWaiters.splice(0)) waiter();
  }

  /** Resolves when nothing is taken. */
  drained(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}

interface Pending {
  record: OutgoingRecord;
  bytes: number;
  /** performance.now() when it was accepted: a record that waited out a request in flight lingers no more. */
  since: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Funnels every send of a process through one produce request at a time, coalescing whatever queued
 * meanwhile into that request. kafkajs's idempotent producer loses or refuses records when `send` is
 * called concurrently (tulios/kafkajs#598, #1005); one request in flight keeps the broker's
 * sequence numbers right and still batches under load. A `send` resolves only when the broker has
 * acknowledged its records (acks=all).
 */
export class BatchingProducer {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private readonly budget: ByteBudget;

  constructor(
    private readonly producer: Producer,
    private readonly options: BatchingProducerOptions,
  ) {
    this.budget = new ByteBudget(options.maxQueuedBytes);
  }

  /** Bytes accepted and not yet acknowledged by the broker. */
  get queuedBytes(): number {
    return this.budget.bytes;
  }

  /** 0 when idle, 1 when full: callers use it to pause their sources before `send` refuses. */
  get pressure(): number {
    return this.budget.pressure;
  }

  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const sizes = records.map(sizeOf);
    try {
      this.budget.take(sizes.reduce((a, b) => a + b, 0));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const since = performance.now();
    const acks = records.map(
      (record, i) => new Promise<void>((resolve, reject) => this.queue.push({ record, bytes: sizes[i]!, since, resolve, reject })),
    );
    void this.flush();
    return Promise.all(acks).then(() => undefined);
  }

  /** Resolves when nothing is waiting or in flight. */
  drained(): Promise<void> {
    return this.budget.drained();
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const wait = (this.options.lingerMs ?? 0) - (performance.now() - this.queue[0]!.since);
        if (wait >= 1 && this.queue.length < this.options.maxBatchRecords) await new Promise((r) => setTimeout(r, wait));
        const batch = this.queue.splice(0, this.options.maxBatchRecords);
        try {
          await this.sendAll(batch);
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        } finally {
          this.budget.give(batch.reduce((a, p) => a + p.bytes, 0));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * One sendBatch, then again for whatever it did not write. kafkajs 2.2.4 (sendMessages.js) keeps, across
   * its retries, the brokers that already answered and skips them: when a leader dies mid-request and
   * its partitions move to a broker that had answered, the retry sends them nowhere and the batch
   * resolves as if written (seen in the HA kill test: acked records missing from the topic). The
   * answer lists every partition written, and the partitioner noted each message's partition, so a
   * message whose partition is not in the answer goes again (nothing was sent for it: its sequence
   * numbers were not used, so the idempotent producer stays in order).
   */
  private async sendAll(batch: Pending[]): Promise<void> {
    let unwritten = batch.map(({ record }) => ({ topic: record.topic, message: toMessage(record) }));
    for (let attempt = 1; unwritten.length > 0; attempt++) {
      const answer = await this.producer.sendBatch({ topicMessages: groupByTopic(unwritten), acks: -1 });
      if (!Array.isArray(answer)) return;
      const written = new Set(answer.map((r) => `${r.topicName}/${r.partition}`));
      unwritten = unwritten.filter(({ topic, message }) => {
        const partition = chosenPartition(message);
        return partition !== undefined && !written.has(`${topic}/${partition}`);
      });
      if (unwritten.length > 0 && attempt >= 5) throw new Error(`Kafka answered ${attempt} times without writing ${unwritten.length} records (partitions ${[...new Set(unwritten.map(({ topic, message }) => `${topic}/${chosenPartition(message)}`))].join(', ')})`);
    }
  }
}

function toMessage(record: OutgoingRecord): Message {
  return { key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp ? String(record.timestamp.getTime()) : undefined };
}

function groupByTopic(batch: { topic: string; message: Message }[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of batch) {
    const messages = byTopic.get(topic) ?? [];
    messages.push(message);
    byTopic.set(topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** What a record counts against the queue bound: its bytes plus a fixed share for the record's framing. */
export function sizeOf(record: OutgoingRecord): number {
  let bytes = Buffer.byteLength(record.key) + Buffer.byteLength(record.value) + 64;
  for (const name in record.headers) bytes += name.length + record.headers[name]!.length; // per message: no entry arrays
  return bytes;
}

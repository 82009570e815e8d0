import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LogEntry, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { type BatchingProducerOptions, ByteBudget, type OutgoingRecord, sizeOf } from './batching-producer';
import { logKafkaEntry } from './kafka-logger';
import type { RecordProducer } from './producer-connection';

/** What the thread is started with (structured-cloned into it). */
export interface ProducerThreadData {
  brokers: string[];
  clientId: string;
  logLevel: logLevel;
  producer: BatchingProducerOptions;
}

/** Messages to the thread: the sends of one turn of the event loop, or the end. */
export type ToProducerThread = { type: 'send'; sends: { id: number; records: OutgoingRecord[] }[] } | { type: 'close' };

/** Messages from the thread: what the brokers settled since the last message, and its logs. */
export type FromProducerThread =
  | { type: 'settled'; acked: number[]; failed: { id: number; name: string; message: string }[] }
  | { type: 'log'; entry: Pick<LogEntry, 'level' | 'namespace' | 'log'> };

interface Pending {
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

// Compiled, the worker is the .js beside this file; run from sources (Jest), it is the .ts, required through tsx.
const compiled = join(__dirname, 'producer.worker.js');
const [script, evaluated] = existsSync(compiled)
  ? [compiled, false]
  : [`require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'producer.worker.ts'))});`, true];

/**
 * The producer on a worker thread: kafkajs's record encoding, its buffers and their garbage leave the
 * caller's thread (for ingest, the MQTT broker's), which only clones the records of each turn of its
 * event loop into one message. Same contract as ProducerConnection: `send` resolves once the brokers
 * acknowledged (the thread reports each send's outcome), the queue is bounded in bytes here, and
 * per-key order holds (one message channel, sent in order, one request in flight over there). If the
 * thread dies, every unsettled send is refused (its callers withhold their acks, so the devices retry)
 * and the next send starts a new thread.
 */
export class ProducerThread implements RecordProducer {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private outgoing: { id: number; records: OutgoingRecord[] }[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private readonly budget: ByteBudget;

  constructor(
    private readonly data: ProducerThreadData,
    private readonly logger: Logger,
  ) {
    this.budget = new ByteBudget(data.producer.maxQueuedBytes);
  }

  get pressure(): number {
    return this.budget.pressure;
  }

  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    let bytes = 0;
    try {
      for (const record of records) bytes += sizeOf(record);
      this.budget.take(bytes);
    } catch (error) {
      return Promise.reject(error as Error); // full, or a record that cannot be sized: that send fails, not the caller
    }
    const id = this.nextId++;
    this.outgoing.push({ id, records });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush()); // after this turn's socket reads: one message for all of them
    }
    return new Promise((resolve, reject) => this.pending.set(id, { bytes, resolve, reject }));
  }

  drained(): Promise<void> {
    return this.budget.drained();
  }

  async close(): Promise<void> {
    await this.drained();
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ type: 'close' } satisfies ToProducerThread);
    await exited;
  }

  private flush(): void {
    this.flushScheduled = false;
    const sends = this.outgoing;
    this.outgoing = [];
    this.worker ??= this.start();
    this.worker.postMessage({ type: 'send', sends } satisfies ToProducerThread);
  }

  private start(): Worker {
    const worker = new Worker(script, { eval: evaluated, workerData: this.data, name: 'kafka-producer' });
    worker.unref(); // the thread never keeps a process alive on its own; close() waits for it
    worker.on('message', (message: FromProducerThread) => this.received(message));
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the Kafka producer thread exited with code ${code}`)));
    return worker;
  }

  private received(message: FromProducerThread): void {
    if (message.type === 'log') return logKafkaEntry(this.logger, message.entry);
    for (const id of message.acked) this.settle(id)?.resolve();
    for (const { id, name, message: text } of message.failed) this.settle(id)?.reject(Object.assign(new Error(text), { name }));
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    this.budget.give(pending.bytes);
    return pending;
  }

  /** The thread is gone (crashed, or closed): nothing it held will be acknowledged. */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.pending.size > 0) this.logger.error({ context: 'kafka.producer-thread', unsettled: this.pending.size, err: error.message }, 'Kafka producer thread lost; its unacknowledged sends are refused');
    const unsettled = [...this.pending.keys()];
    for (const id of unsettled) this.settle(id)?.reject(error);
  }
}

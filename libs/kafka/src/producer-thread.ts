import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LogEntry, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { type BatchingProducerOptions, KafkaBackpressureError, type OutgoingRecord, sizeOf } from './batching-producer';
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

/** Messages from the thread: what the brokers settled since the last message, its logs, its end. */
export type FromProducerThread =
  | { type: 'settled'; acked: number[]; failed: { id: number; name: string; message: string }[] }
  | { type: 'log'; entry: Pick<LogEntry, 'level' | 'namespace' | 'log'> }
  | { type: 'closed' };

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
  private bytes = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly data: ProducerThreadData,
    private readonly logger: Logger,
  ) {}

  get pressure(): number {
    return Math.min(1, this.bytes / this.data.producer.maxQueuedBytes);
  }

  send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    let bytes = 0;
    try {
      for (const record of records) bytes += sizeOf(record);
    } catch (error) {
      return Promise.reject(error as Error); // a malformed record fails its send, never the caller's stack
    }
    if (this.bytes > 0 && this.bytes + bytes > this.data.producer.maxQueuedBytes) return Promise.reject(new KafkaBackpressureError(this.bytes));
    this.bytes += bytes;
    const id = this.nextId++;
    this.outgoing.push({ id, records });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush()); // after this turn's socket reads: one message for all of them
    }
    return new Promise((resolve, reject) => this.pending.set(id, { bytes, resolve, reject }));
  }

  drained(): Promise<void> {
    if (this.bytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
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
    if (message.type !== 'settled') return;
    for (const id of message.acked) this.settle(id)?.resolve();
    for (const { id, name, message: text } of message.failed) this.settle(id)?.reject(Object.assign(new Error(text), { name }));
    this.drainedMaybe();
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    this.pending.delete(id);
    this.bytes -= pending.bytes;
    return pending;
  }

  /** The thread is gone (crashed, or closed): nothing it held will be acknowledged. */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.pending.size > 0) this.logger.error({ context: 'kafka.producer-thread', unsettled: this.pending.size, err: error.message }, 'Kafka producer thread lost; its unacknowledged sends are refused');
    const unsettled = [...this.pending.keys()];
    for (const id of unsettled) this.settle(id)?.reject(error);
    this.drainedMaybe();
  }

  private drainedMaybe(): void {
    if (this.bytes === 0) for (const waiter of this.drainWaiters.splice(0)) waiter();
  }
}

// The Kafka producer's own thread (see ProducerThread): one ProducerConnection, fed by the owner's messages.
import './quiet-negative-timeout';
import { parentPort, workerData } from 'node:worker_threads';
import { Kafka } from 'kafkajs';
import type { OutgoingRecord } from './batching-producer';
import { ProducerConnection } from './producer-connection';
import type { FromProducerThread, ProducerThreadData, ToProducerThread } from './producer-thread';

const data = workerData as ProducerThreadData;
const port = parentPort!;
const post = (message: FromProducerThread) => port.postMessage(message);

const kafka = new Kafka({
  clientId: data.clientId,
  brokers: data.brokers,
  logLevel: data.logLevel,
  logCreator: () => (entry) => {
    const { level, namespace, log } = entry;
    try {
      post({ type: 'log', entry: { level, namespace, log } });
    } catch {
      post({ type: 'log', entry: { level, namespace, log: JSON.parse(JSON.stringify(log)) as typeof log } }); // fields that do not clone
    }
  },
});
// The owner bounds the queue; this one only has to hold what the owner accepted.
const connection = new ProducerConnection(kafka, { ...data.producer, maxQueuedBytes: Number.MAX_SAFE_INTEGER });

// Outcomes are reported once per turn of this thread's loop, not once per send.
let acked: number[] = [];
let failed: { id: number; name: string; message: string }[] = [];
let reportScheduled = false;
function report(): void {
  reportScheduled = false;
  post({ type: 'settled', acked, failed });
  acked = [];
  failed = [];
}
const settled = () => {
  if (!reportScheduled) {
    reportScheduled = true;
    setImmediate(report);
  }
};

/** Structured clone turns a Buffer into a plain Uint8Array, which kafkajs does not take. */
const asBuffers = (record: OutgoingRecord): OutgoingRecord => {
  const value = record.value as string | Uint8Array;
  return typeof value === 'string' || Buffer.isBuffer(value) ? record : { ...record, value: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
};

port.on('message', (message: ToProducerThread) => {
  if (message.type === 'close') {
    void connection.close().finally(() => port.close()); // the thread then ends; the owner waits for its exit
    return;
  }
  for (const { id, records } of message.sends) {
    connection.send(records.map(asBuffers)).then(
      () => {
        acked.push(id);
        settled();
      },
      (error: Error) => {
        failed.push({ id, name: error.name, message: error.message });
        settled();
      },
    );
  }
});

import type { Producer, ProducerBatch } from 'kafkajs';
import { BatchingProducer, KafkaBackpressureError } from './batching-producer';

// The queue discipline only (the broker side is covered by kafka.int.spec.ts): the producer stands in
// as a function whose acknowledgements the test releases by hand.

function controlledProducer() {
  const requests: { batch: ProducerBatch; ack: () => void; fail: (e: Error) => void }[] = [];
  const producer = {
    sendBatch: (batch: ProducerBatch) =>
      new Promise((resolve, reject) => requests.push({ batch, ack: () => resolve([]), fail: reject })),
  } as unknown as Producer;
  return { producer, requests };
}
const record = (key: string, value = 'x'.repeat(100)) => ({ topic: 't', key, value });
const tick = () => new Promise((r) => setImmediate(r));

it('keeps one request in flight and coalesces what queued meanwhile into the next', async () => {
  const { producer, requests } = controlledProducer();
  const batching = new BatchingProducer(producer, { maxBatchRecords: 100, maxQueuedBytes: 1e6 });
  const first = batching.send([record('a')]);
  const rest = [batching.send([record('b')]), batching.send([record('c'), record('d')])];
  await tick();
  expect(requests).toHaveLength(1);
  requests[0]!.ack();
  await first;
  await tick();
  expect(requests).toHaveLength(2);
  expect(requests[1]!.batch.topicMessages![0]!.messages.map((m) => m.key)).toEqual(['b', 'c', 'd']);
  requests[1]!.ack();
  await Promise.all(rest);
  expect(batching.queuedBytes).toBe(0);
});

it('rejects exactly the sends of a failed request, and goes on with the next', async () => {
  const { producer, requests } = controlledProducer();
  const batching = new BatchingProducer(producer, { maxBatchRecords: 1, maxQueuedBytes: 1e6 });
  const a = batching.send([record('a')]);
  const b = batching.send([record('b')]);
  await tick();
  requests[0]!.fail(new Error('broker down'));
  await expect(a).rejects.toThrow('broker down');
  await tick();
  requests[1]!.ack();
  await expect(b).resolves.toBeUndefined();
});

it('reports pressure and refuses past the byte bound instead of growing', async () => {
  const { producer, requests } = controlledProducer();
  const batching = new BatchingProducer(producer, { maxBatchRecords: 10, maxQueuedBytes: 1000 });
  const accepted = [batching.send([record('a', 'x'.repeat(400))]), batching.send([record('b', 'x'.repeat(400))])];
  expect(batching.pressure).toBeGreaterThan(0.8);
  await expect(batching.send([record('c', 'x'.repeat(400))])).rejects.toBeInstanceOf(KafkaBackpressureError);
  const drained = batching.drained();
  await tick();
  for (const r of requests) r.ack();
  await tick();
  requests.at(-1)!.ack();
  await Promise.all(accepted);
  await drained;
  expect(batching.pressure).toBe(0);
});

it('with a linger, holds the first record that long so what follows shares its request; a full batch goes at once', async () => {
  jest.useFakeTimers();
  try {
    const { producer, requests } = controlledProducer();
    const batching = new BatchingProducer(producer, { maxBatchRecords: 3, maxQueuedBytes: 1e6, lingerMs: 5 });
    const early = [batching.send([record('a')])];
    await jest.advanceTimersByTimeAsync(4);
    expect(requests).toHaveLength(0); // still lingering
    early.push(batching.send([record('b')]));
    await jest.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.batch.topicMessages![0]!.messages.map((m) => m.key)).toEqual(['a', 'b']);
    requests[0]!.ack();
    await Promise.all(early);
    // a full batch goes without lingering
    const full = batching.send([record('c'), record('d'), record('e')]);
    await jest.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(2);
    requests[1]!.ack();
    await full;
  } finally {
    jest.useRealTimers();
  }
});

it('does not linger again for records that already waited behind the request in flight', async () => {
  jest.useFakeTimers();
  try {
    const { producer, requests } = controlledProducer();
    const batching = new BatchingProducer(producer, { maxBatchRecords: 100, maxQueuedBytes: 1e6, lingerMs: 5 });
    const first = batching.send([record('a')]);
    await jest.advanceTimersByTimeAsync(5);
    expect(requests).toHaveLength(1);
    const second = batching.send([record('b')]);
    await jest.advanceTimersByTimeAsync(10); // 'b' waits out the slow request in flight
    requests[0]!.ack();
    await first;
    await jest.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(2); // sent at once: it has waited longer than the linger already
    requests[1]!.ack();
    await second;
  } finally {
    jest.useRealTimers();
  }
});

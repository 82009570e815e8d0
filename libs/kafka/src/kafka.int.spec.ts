import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { brokerList } from './kafka.env';
import { KafkaService } from './kafka.service';

// Against the real broker from the stack: idempotent produce (acks=all), consumer-group consume,
// per-key order under concurrent sends (the case kafkajs's idempotent producer gets wrong on its own),
// with the producer on the caller's thread and on its own.

const logger = pino({ level: 'silent' });
const brokers = brokerList(process.env.KAFKA_BROKERS!);

describe.each(['inline', 'thread'] as const)('with the producer %s', (runOn) => {
  const topic = `it.kafka.${randomUUID()}`;
  let kafka: KafkaService;

  beforeAll(async () => {
    kafka = new KafkaService({ brokers, clientId: 'it-kafka', logger, producer: { runOn } });
    await kafka.ensureTopics([{ name: topic, partitions: 3 }]);
  });

  afterAll(async () => {
    await (await kafka.admin()).deleteTopics({ topics: [topic] }).catch(() => undefined);
    await kafka.onApplicationShutdown();
  });

  it('creates topics idempotently, with the partitions asked for', async () => {
    await kafka.ensureTopics([{ name: topic, partitions: 3 }]); // second call: no error
    const metadata = await (await kafka.admin()).fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]!.partitions).toHaveLength(3);
  });

  it('delivers concurrently sent records to a consumer group, once each, in order per key', async () => {
    const keys = ['dev-a', 'dev-b', 'dev-c', 'dev-d'];
    const perKey = 150;
    // 600 sends started at once, each resolved only after the broker acknowledged it.
    const sends = keys.flatMap((key) =>
      Array.from({ length: perKey }, (_, seq) => kafka.send([{ topic, key, value: JSON.stringify({ key, seq }) }])),
    );
    await Promise.all(sends);

    const received = new Map<string, number[]>(keys.map((k) => [k, []]));
    const consumer = kafka.consumer({ groupId: `it-group-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let total = 0;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const { key, seq } = JSON.parse(message.value!.toString()) as { key: string; seq: number };
          received.get(key)!.push(seq);
          if (++total === keys.length * perKey) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();

    for (const key of keys) expect(received.get(key)).toEqual(Array.from({ length: perKey }, (_, i) => i));
    const offsets = await (await kafka.admin()).fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(keys.length * perKey); // no duplicates on the log
  });

  it('keeps Buffer values, headers and timestamps as sent', async () => {
    const key = `bytes-${randomUUID()}`;
    const value = Buffer.from([0, 255, 1, 254, 10]);
    const timestamp = new Date('2026-01-02T03:04:05.678Z');
    await kafka.send([{ topic, key, value, headers: { 'tenant-id': 'tnt_a' }, timestamp }]);
    const consumer = kafka.consumer({ groupId: `it-group-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const message = await new Promise<{ value: Buffer | null; headers?: Record<string, unknown>; timestamp: string }>((resolve) => {
      void consumer.run({ eachMessage: async ({ message: m }) => void (m.key?.toString() === key && resolve(m)) });
    });
    await consumer.disconnect();
    expect(message.value).toEqual(value);
    expect(String(message.headers!['tenant-id'])).toBe('tnt_a');
    expect(Number(message.timestamp)).toBe(timestamp.getTime());
  });

  it('answers a readiness ping with the cluster shape', async () => {
    await expect(kafka.ping()).resolves.toEqual({ brokers: 1, controller: expect.any(Number) });
  });
});

describe('the producer thread', () => {
  it('refuses what it cannot deliver with the broker\'s error, and recovers from losing its thread', async () => {
    const topic = `it.kafka.${randomUUID()}`;
    const kafka = new KafkaService({ brokers, clientId: 'it-kafka-thread', logger, producer: { runOn: 'thread' } });
    await kafka.ensureTopics([{ name: topic, partitions: 1 }]);
    try {
      // A topic that does not exist (and is never auto-created): the broker's refusal comes back as the send's error.
      await expect(kafka.send([{ topic: `missing.${randomUUID()}`, key: 'k', value: 'v' }])).rejects.toThrow(/topic|partition/i);

      // A record that cannot be sized (no value) fails its own send and takes nothing from the queue bound.
      await expect(kafka.send([{ topic, key: 'k', value: undefined as unknown as string }])).rejects.toThrow(/must be of type string/);
      expect(kafka.producerPressure).toBe(0);

      // The thread dies with a send outstanding: that send is refused, not left hanging, and the next one gets a new thread.
      await kafka.send([{ topic, key: 'k', value: 'before' }]);
      const outstanding = kafka.send([{ topic, key: 'k', value: 'lost' }]);
      await new Promise((r) => setImmediate(r)); // posted to the thread
      const thread = (kafka as unknown as { producer: { worker: { terminate(): Promise<number> } } }).producer.worker;
      await thread.terminate();
      await expect(outstanding).rejects.toThrow(/producer thread exited/);
      expect(kafka.producerPressure).toBe(0);
      await kafka.send([{ topic, key: 'k', value: 'after' }]);
      const offsets = await (await kafka.admin()).fetchTopicOffsets(topic);
      expect(Number(offsets[0]!.high)).toBeGreaterThanOrEqual(2);
    } finally {
      await (await kafka.admin()).deleteTopics({ topics: [topic] }).catch(() => undefined);
      await kafka.onApplicationShutdown();
    }
  });
});

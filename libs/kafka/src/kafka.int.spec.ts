import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { brokerList } from './kafka.env';
import { KafkaService } from './kafka.service';

// Against the real broker from the stack: idempotent produce (acks=all), consumer-group consume,
// per-key order under concurrent sends (the case kafkajs's idempotent producer gets wrong on its own).

const logger = pino({ level: 'silent' });
const topic = `it.kafka.${randomUUID()}`;
let kafka: KafkaService;

beforeAll(async () => {
  kafka = new KafkaService({ brokers: brokerList(process.env.KAFKA_BROKERS!), clientId: 'it-kafka', logger });
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

it('answers a readiness ping with the cluster shape', async () => {
  await expect(kafka.ping()).resolves.toEqual({ brokers: 1, controller: expect.any(Number) });
});

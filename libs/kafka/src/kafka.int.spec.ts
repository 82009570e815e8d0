import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes } from 'kafkajs';
import pino from 'pino';
import { topics } from '#libs/events';
import { brokerList } from './kafka.env';
import { KafkaService, topicConfig } from './kafka.service';

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

describe('declared topics', () => {
  it('creates a topic with its retention and min.insync.replicas, and sets a drifted config back at the next start, saying so', async () => {
    const topic = `it.declared.${randomUUID()}`;
    const lines: { msg: string; drift?: Record<string, { was: string; now: string }> }[] = [];
    const recording = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const kafka = new KafkaService({ brokers, clientId: 'it-kafka-declared', logger: recording });
    const spec = { name: topic, partitions: 2, retention: { ms: 7 * 86_400_000, bytes: 1024 ** 3 } };
    const admin = await kafka.admin();
    const config = async () => {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'retention.bytes', 'min.insync.replicas'] }] });
      return Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    };
    try {
      await kafka.ensureTopics([spec]);
      expect(await config()).toEqual({ 'retention.ms': '604800000', 'retention.bytes': '1073741824', 'min.insync.replicas': '1' });
      expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions).toHaveLength(2);

      // someone changes retention by hand; the next start sets it back and logs the drift
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '60000' }, { name: 'retention.bytes', value: '1073741824' }, { name: 'min.insync.replicas', value: '1' }] }] });
      expect((await config())['retention.ms']).toBe('60000');
      await kafka.ensureTopics([spec]);
      expect((await config())['retention.ms']).toBe('604800000');
      expect(lines.find((l) => l.msg.startsWith('Kafka topic config drifted'))?.drift).toEqual({ 'retention.ms': { was: '60000', now: '604800000' } });

      // an unchanged topic is left alone, silently
      const before = lines.length;
      await kafka.ensureTopics([spec]);
      expect(lines.slice(before).filter((l) => l.msg.startsWith('Kafka topic'))).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await kafka.onApplicationShutdown();
    }
  });

  it('declares every Fieldline topic with a retention: the event log kept, telemetry bounded by time and size', () => {
    expect(topicConfig(topics.dispatch, 1)).toEqual({ 'min.insync.replicas': '1', 'retention.ms': '-1', 'retention.bytes': '-1' });
    expect(topicConfig(topics.telemetry, 3)).toEqual({ 'min.insync.replicas': '2', 'retention.ms': '604800000', 'retention.bytes': '1073741824' });
    expect(Object.values(topics).every((t) => t.retention.ms !== 0)).toBe(true);
  });
});

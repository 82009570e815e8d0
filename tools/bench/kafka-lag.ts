import type { Kafka } from 'kafkajs';

/** Records of `topic` the consumer group has not committed yet (0 = caught up). */
export async function lagOf(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((sum, e) => sum + Math.max(0, Number(e.high) - Math.max(0, done.get(e.partition) ?? Number(e.low))), 0);
  } finally {
    await admin.disconnect();
  }
}

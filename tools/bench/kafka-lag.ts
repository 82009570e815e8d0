import type { Kafka } from 'kafkajs';

/** Records of `topic` the slowest of the consumer groups has not committed yet (0 = all caught up). */
export async function lagOf(kafka: Kafka, groupIds: string | string[], topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const lags = await Promise.all(
      [groupIds].flat().map(async (groupId) => {
        const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
        return ends.reduce((sum, e) => sum + Math.max(0, Number(e.high) - Math.max(0, done.get(e.partition) ?? Number(e.low))), 0);
      }),
    );
    return Math.max(...lags);
  } finally {
    await admin.disconnect();
  }
}

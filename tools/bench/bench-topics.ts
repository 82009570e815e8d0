import { Kafka, logLevel } from 'kafkajs';
import { topics } from '#libs/events';

/**
 * Drops the telemetry a bench left in the stack's topic (everything up to its end: Kafka deletes only a
 * prefix of a partition). Benches write millions of fixes there, and a later `npm test` on the same stack
 * starts its projectors on new consumer groups, which read the topic from its start: suites timed out
 * waiting for projectors with minutes of someone else's backlog. Only telemetry: the dispatch topic is the
 * event store's copy, kept whole for new consumers; positions and history are rebuilt from the database.
 */
export async function dropBenchTelemetry(brokers: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topics.telemetry.name);
    const records = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
    if (records === 0) return;
    await admin.deleteTopicRecords({ topic: topics.telemetry.name, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
    console.log(`  ${records.toLocaleString('en')} telemetry records dropped from the stack's ${topics.telemetry.name} (a later npm test would replay them first)`);
  } finally {
    await admin.disconnect();
  }
}

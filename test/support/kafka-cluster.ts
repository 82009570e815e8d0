// The HA stack's Kafka from a test's side: which broker leads what, which one is the active KRaft
// controller, kill -9 one and start it again, and read a topic back up to its end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { kafkaHaBrokers, kafkaHaControllers } from '../../tools/stack/kafka.component';
import { forgetProcess, isAlive, readPid, sleep } from '../../tools/stack/managed-process';
import { raiseOne } from '../../tools/stack/stack-component';
import { haDataDir } from '../../tools/stack/stack.config';

export const brokerCount = kafkaHaBrokers.length;
/** Brokers are nodes 1–3, controllers 101–103 (tools/stack/kafka.component.ts). */
const componentOf = (nodeId: number) => (nodeId > 100 ? kafkaHaControllers[nodeId - 101] : kafkaHaBrokers[nodeId - 1])!;

/** Partitions each broker leads in `topic` (node id → count), from the cluster's metadata. */
export async function leadersOf(admin: Admin, topic: string): Promise<Map<number, number>> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const leads = new Map<number, number>();
  for (const p of topics[0]!.partitions) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
  return leads;
}

/** The broker leading most of `topic`'s partitions (among `among`). */
export async function mainLeaderOf(admin: Admin, topic: string, among: number[] = [1, 2, 3]): Promise<number> {
  const leads = await leadersOf(admin, topic);
  return [...among].sort((a, b) => (leads.get(b) ?? 0) - (leads.get(a) ?? 0))[0]!;
}

/**
 * The active KRaft controller: the leader of the newest epoch in the nodes' quorum-state files. In
 * KRaft, the controller id a client gets from Metadata/describeCluster is a random live broker, and
 * kafkajs has no DescribeQuorum, so the quorum's own record is the way to know.
 */
export function activeController(): number {
  let best = { leaderId: -1, leaderEpoch: -1 };
  for (let n = 1; n <= kafkaHaControllers.length; n++) {
    const file = join(haDataDir, `kafka-controller-${n}`, 'logs', '__cluster_metadata-0', 'quorum-state');
    try {
      const state = JSON.parse(readFileSync(file, 'utf8')) as { leaderId: number; leaderEpoch: number };
      if (state.leaderEpoch > best.leaderEpoch && state.leaderId > 0) best = state;
    } catch {
      /* a node that has not written one yet */
    }
  }
  if (best.leaderId < 0) throw new Error('no quorum-state names a KRaft leader');
  return best.leaderId;
}

/**
 * kill -9 of a broker (1–3) or a controller (101–103): no controlled shutdown; the controller learns of a
 * broker's death only from missed heartbeats, the other controllers of a controller's from missed fetches.
 */
export function killBroker(nodeId: number): void {
  const name = componentOf(nodeId).name;
  const pid = readPid(name);
  if (pid === undefined || !isAlive(pid)) throw new Error(`${name} is not running`);
  process.kill(pid, 'SIGKILL');
  forgetProcess(name); // started again by restartBroker, not reported as died
}

export async function restartBroker(nodeId: number): Promise<void> {
  await raiseOne(componentOf(nodeId));
}

/** Until every partition of `topics` has all its replicas in sync again (a restarted broker caught up). */
export async function waitFullyInSync(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metadata = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
    const lagging = metadata?.topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}/${p.partitionId}`));
    if (lagging && lagging.length === 0) return;
    if (Date.now() > deadline) throw new Error(`replicas still out of sync after ${timeoutMs} ms: ${lagging?.join(', ') ?? 'no metadata'}`);
    await sleep(500);
  }
}

/**
 * Every record of `topic` up to its current end, counted by `idOf` (undefined: not ours). Read by a
 * fresh consumer group from the beginning, stopping when each partition reached the end seen at the start.
 */
export async function readBack(brokers: string[], topic: string, idOf: (value: Buffer) => string | undefined): Promise<Map<string, number>> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'ha-read-back' });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p));
  const counts = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `ha-read-back-${Date.now()}-${Math.random().toString(36).slice(2)}`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    if (pending.size === 0) return resolve();
    const timer = setTimeout(() => reject(new Error(`read-back of ${topic} did not reach the end within 120 s (partitions left: ${[...pending].join(', ')})`)), 120_000);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (Number(message.offset) >= ends.get(batch.partition)!) break;
          const id = message.value ? idOf(message.value) : undefined;
          if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        if (Number(batch.lastOffset()) + 1 >= ends.get(batch.partition)!) pending.delete(batch.partition);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return counts;
}

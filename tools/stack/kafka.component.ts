// The real Apache Kafka broker, one node in KRaft mode (broker + controller; in the HA shape three brokers
// and three controllers apart), run with the system's java
// from jars that Maven resolves from Maven Central once into a cache outside the repo.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { StackComponent } from './stack-component';
import { progress } from './progress';
import { portOpen } from './managed-process';
import { ensureBinaries } from './system-packages';
import { cacheDir, dataDir, haDataDir, haPorts, host, kafkaPom, ports } from './stack.config';


function pomVersion(): string {
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(kafkaPom, 'utf8'))?.[1];
  if (!version) throw new Error(`no <kafka.version> in ${kafkaPom}`);
  return version;
}

/** The jar folder is keyed by the pom's content, so editing a version fetches a fresh, complete set. */
function libsDir(): string {
  const hash = createHash('sha256').update(readFileSync(kafkaPom)).digest('hex').slice(0, 10);
  return join(cacheDir, `kafka-${pomVersion()}-${hash}`, 'libs');
}

const javaMajors = new Map<string, number>();

/** Asked once per binary (six HA nodes prepare at once; each `java -version` blocks for half a second). */
function javaMajor(java: string): number {
  if (!javaMajors.has(java)) javaMajors.set(java, readJavaMajor(java));
  return javaMajors.get(java)!;
}

function readJavaMajor(java: string): number {
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return 0;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

async function fetchJars(mvn: string, target: string): Promise<void> {
  const p = progress('kafka');
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  p.update(`first run: resolving Kafka ${pomVersion()} from Maven Central …`);
  let files = 0;
  let kb = 0;
  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      mvn,
      ['-B', '-f', kafkaPom, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      const downloaded = /^Downloaded from [^:]+: \S+ \(([\d.]+) (kB|MB|B)/.exec(line);
      if (downloaded) {
        files += 1;
        const n = Number(downloaded[1]);
        kb += downloaded[2] === 'MB' ? n * 1024 : downloaded[2] === 'kB' ? n : n / 1024;
        p.update(`first run: fetched ${files} files, ${(kb / 1024).toFixed(1)} MB from Maven Central …`);
      }
    };
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    p.fail('Maven could not resolve the Kafka jars');
    throw new Error(`mvn exited with ${code}. Last lines:\n${tail.join('\n')}\nCheck that Maven Central is reachable (or a mirror in ~/.m2/settings.xml).`);
  }
  mkdirSync(join(target, '..'), { recursive: true });
  renameSync(staging, target); // only a complete set ever sits at the final path
  p.done(`Kafka ${pomVersion()}: ${readdirSync(target).length} jars cached in ${target}`);
}

/** What differs between a lone broker and a member of the HA cluster: the quorum and the copies kept. */
function clusterConfig(node: KafkaNode): string[] {
  const cluster = node.cluster;
  if (!cluster) {
    return [
      '# Written by tools/stack on every start: one node that is both broker and KRaft controller.',
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@${host}:${node.controllerPort}`,
      ...replicationConfig(1),
    ];
  }
  return [
    `# Written by tools/stack on every start: the ${cluster.role} ${cluster.nodeId} of a cluster with ${cluster.voters.length} KRaft controllers of their own.`,
    `process.roles=${cluster.role}`,
    `node.id=${cluster.nodeId}`,
    `controller.quorum.voters=${cluster.voters.map((v) => `${v.nodeId}@${host}:${v.controllerPort}`).join(',')}`,
    ...replicationConfig(cluster.brokers.split(',').length),
    // Controllers apart from the brokers (Kafka's advice for production): a broker's death then never
    // costs a controller election too, which in the combined mode came first and made the PUBACK gap
    // 2.5–3.2 s whenever the broker leading the telemetry partitions was also the active controller.
    // A broker killed with -9 says nothing: the active controller fences it (and moves its partitions'
    // leadership and ISR) only when its heartbeats stop for the session timeout. Kafka's 9 s default
    // is a 9 s write stall on the partitions it led. Measured from the kill: fenced and the new leaders
    // in the metadata ~0.4 s after the session timeout, producers writing again ~0.15 s later; so 1 s
    // (four heartbeats) keeps a device's PUBACK gap under 2 s, where 1.5 s gave 1.8–3.2 s. The quorum's
    // own timeouts follow, for when the dead broker was also the active controller.
    'broker.heartbeat.interval.ms=250',
    'broker.session.timeout.ms=1000',
    'controller.quorum.fetch.timeout.ms=1000',
    'controller.quorum.election.timeout.ms=500',
    'controller.quorum.election.backoff.max.ms=500',
    // a restarted broker catches up and is back in the ISR quickly; the leaders then move back to it
    'replica.lag.time.max.ms=10000',
    'leader.imbalance.check.interval.seconds=30',
  ];
}

/** Copies of every topic, the internal ones too: 3 with min.insync.replicas 2 in the HA cluster, else 1. */
function replicationConfig(brokers: number): string[] {
  const copies = Math.min(brokers, 3);
  const minIsr = copies >= 3 ? 2 : 1;
  return [
    `default.replication.factor=${copies}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${copies}`,
    `transaction.state.log.replication.factor=${copies}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${copies}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
  ];
}

/** A broker serves clients on PLAINTEXT; a controller only the quorum on CONTROLLER; a combined node both. */
function listenersOf(node: KafkaNode): string[] {
  const role = node.cluster?.role;
  const client = [`advertised.listeners=PLAINTEXT://${host}:${node.port}`, 'inter.broker.listener.name=PLAINTEXT'];
  if (role === 'controller') return [`listeners=CONTROLLER://${host}:${node.controllerPort}`];
  if (role === 'broker') return [`listeners=PLAINTEXT://${host}:${node.port}`, ...client];
  return [`listeners=PLAINTEXT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`, ...client];
}

function writeConfig(node: KafkaNode): string {
  const kafkaDataDir = node.dataDir;
  mkdirSync(kafkaDataDir, { recursive: true });
  const properties = join(kafkaDataDir, 'server.properties');
  writeFileSync(
    properties,
    [
      ...clusterConfig(node),
      ...listenersOf(node),
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(kafkaDataDir, 'logs')}`,
      'num.partitions=6',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.num.partitions=10',
      'group.initial.rebalance.delay.ms=0',
      // Topics are created by the apps with their declared partition counts; a typo must fail, not create a topic.
      'auto.create.topics.enable=false',
      'log.retention.hours=168',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(kafkaDataDir, 'log4j2.yaml'),
    [
      'Configuration:',
      '  Appenders:',
      '    Console: { name: STDOUT, PatternLayout: { Pattern: "[%d] %p %m (%c)%n" } }',
      '  Loggers:',
      '    Root: { level: WARN, AppenderRef: [ { ref: STDOUT } ] }',
      '    Logger:',
      '      - { name: kafka.server.KafkaRaftServer, level: INFO }',
      '',
    ].join('\n'),
  );
  return properties;
}

let java = 'java';

function runJava(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? 1, output }));
  });
}

/** One Kafka node: where it keeps its data, which ports it takes (a broker the first, a controller the second). */
export interface KafkaNode {
  name: string;
  dataDir: string;
  port: number;
  controllerPort: number;
  /** -Xmx in MiB (512 unless given: the HA cluster's nodes get less each). */
  heapMb?: number;
  /** Absent: a cluster of its own (node 1, broker and controller at once, its own quorum). */
  cluster?: {
    role: 'broker' | 'controller';
    nodeId: number;
    voters: { nodeId: number; controllerPort: number }[];
    /** Every member is formatted with this file's cluster id (written by the first to need it). */
    clusterIdFile: string;
    brokers: string;
  };
}

/** The cluster id a node is formatted with: its cluster's shared one, else a new one. */
function clusterIdFor(node: KafkaNode): string {
  const fresh = (): string => randomUUID().replace(/-/g, '').slice(0, 22);
  const file = node.cluster?.clusterIdFile;
  if (!file) return fresh();
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, fresh());
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * The stack's Kafka, or another one (tests that stop a broker mid-stream run their own so the shared
 * one stays up for the rest of the suite).
 */
export const createKafkaComponent = (node: KafkaNode): StackComponent => ({
  name: node.name,
  envVar: 'KAFKA_BROKERS',
  // what status lines show; a cluster member's env() gives the apps the brokers
  url: () => `${host}:${node.cluster?.role === 'controller' ? node.controllerPort : node.port}`,
  ports: () => (node.cluster?.role === 'broker' ? [node.port] : node.cluster?.role === 'controller' ? [node.controllerPort] : [node.port, node.controllerPort]),
  startTimeoutMs: 90_000,
  // a cluster member gives the apps the whole cluster, and the copies each topic keeps there
  env: node.cluster ? () => ({ KAFKA_BROKERS: node.cluster!.brokers, KAFKA_REPLICATION_FACTOR: String(Math.min(node.cluster!.brokers.split(',').length, 3)) }) : undefined,

  async prepare() {
    const bins = ensureBinaries([
      { binary: 'java', debianPackage: 'openjdk-17-jre-headless', why: 'runs the Kafka broker (Java 17+)' },
      { binary: 'mvn', debianPackage: 'maven', why: 'fetches the Kafka jars from Maven Central' },
    ]);
    java = bins.java;
    const major = javaMajor(java);
    if (major < 17) {
      throw new Error(`Kafka 4 needs Java 17 or newer; ${java} is Java ${major}. Install openjdk-17-jre-headless (or newer) and put it first on PATH.`);
    }
    if (!existsSync(libsDir())) await fetchJars(bins.mvn, libsDir());
    const properties = writeConfig(node);
    if (!existsSync(join(node.dataDir, 'logs', 'meta.properties'))) {
      // Format once; the cluster id is kept so later starts reuse the same log directory.
      // Not spawnSync: the HA shape formats six nodes while the other components wait to be ready, and
      // a blocked event loop let their readiness clocks run out (Redis 'not ready after 21 s', ready at 19 s).
      const clusterId = clusterIdFor(node);
      const format = await runJava(['-cp', `${libsDir()}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties]);
      if (format.status !== 0) throw new Error(`kafka storage format failed:\n${format.output}`);
    }
  },

  spec() {
    return {
      name: node.name,
      command: java,
      args: [
        '-Xms128m',
        `-Xmx${node.heapMb ?? 512}m`,
        '-XX:+UseG1GC',
        '-XX:MaxDirectMemorySize=256m',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(node.dataDir, 'log4j2.yaml')}`,
        '-cp',
        `${libsDir()}/*`,
        'kafka.Kafka',
        join(node.dataDir, 'server.properties'),
      ],
    };
  },

  async ready() {
    // a controller serves no client: it is up once its quorum listener is
    if (node.cluster?.role === 'controller') return portOpen(node.controllerPort, host);
    const kafka = new Kafka({ brokers: [`${host}:${node.port}`], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      // a cluster member is ready once the quorum has registered it (and not fenced it)
      return node.cluster ? cluster.brokers.some((b) => b.nodeId === node.cluster!.nodeId) : cluster.brokers.length > 0;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
});

export const kafkaComponent = createKafkaComponent({
  name: 'kafka',
  dataDir: join(dataDir, 'kafka'),
  port: ports.kafka,
  controllerPort: ports.kafkaController,
});

/**
 * The HA shape's Kafka: three KRaft controllers (a quorum of three) and three brokers, each its own
 * process, replication 3 / ISR 2. Brokers are nodes 1–3 (the leader ids clients see), controllers 101–103.
 */
const haVoters = haPorts.kafkaController.map((controllerPort, j) => ({ nodeId: 101 + j, controllerPort }));
const haCluster = (role: 'broker' | 'controller', nodeId: number) => ({
  role,
  nodeId,
  voters: haVoters,
  clusterIdFile: join(haDataDir, 'kafka-ha-cluster-id'),
  brokers: haPorts.kafka.map((p) => `${host}:${p}`).join(','),
});

export const kafkaHaControllers: StackComponent[] = haPorts.kafkaController.map((controllerPort, i) =>
  createKafkaComponent({
    name: `kafka-ha-controller-${i + 1}`,
    dataDir: join(haDataDir, `kafka-controller-${i + 1}`),
    port: haPorts.kafka[i]!,
    controllerPort,
    heapMb: 192,
    cluster: haCluster('controller', 101 + i),
  }),
);

export const kafkaHaBrokers: StackComponent[] = haPorts.kafka.map((port, i) =>
  createKafkaComponent({
    name: `kafka-ha-${i + 1}`,
    dataDir: join(haDataDir, `kafka-broker-${i + 1}`),
    port,
    controllerPort: haPorts.kafkaController[i]!,
    heapMb: 384,
    cluster: haCluster('broker', i + 1),
  }),
);

export const kafkaHaComponents: StackComponent[] = [...kafkaHaControllers, ...kafkaHaBrokers];

// Where the local stack lives and which ports it takes. Data stays under .data/ (git-ignored); downloads
// that are costly to repeat (Kafka's jars) go to a cache outside the repo so a fresh clone reuses them.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
export const dataDir = join(repoRoot, '.data');
export const stackDir = join(dataDir, 'stack');
export const logDir = join(dataDir, 'logs');
export const stackEnvFile = join(dataDir, 'stack.env');
export const cacheDir = process.env.FIELDLINE_CACHE_DIR ?? join(homedir(), '.cache', 'fieldline');

export const host = '127.0.0.1';

// Fixed, uncommon ports so the stack never collides with a system Kafka/Redis/Postgres on the defaults.
export const ports = {
  kafka: 19092,
  kafkaController: 19093,
  redis: 16379,
  timescale: 15432,
  timescaleLane: 15433, // the test runner's embedded lane, beside a PostgreSQL on the port above
  mqtt: 1883,
  turn: 13478,
  prometheus: 19090,
  turnRelayMin: 49300,
  turnRelayMax: 49400,
};

/**
 * The HA shape (`npm run stack:up -- --ha`, or STACK_HA=1): three Kafka brokers, Redis with Sentinel, and
 * the rest of the stack on its own ports (the normal ones + 100) and data (.data/ha/), so it runs beside the normal stack.
 */
export const haDataDir = join(dataDir, 'ha');
export const haStackEnvFile = join(haDataDir, 'stack.env');
export const haPorts = {
  /** Broker n (1–3) listens on kafka[n-1] and runs its KRaft controller on kafkaController[n-1]. */
  kafka: [19192, 19194, 19196],
  kafkaController: [19193, 19195, 19197],
  /** Redis: the primary (at first) and its replica; three Sentinels choose which is primary. */
  redisMembers: [16479, 16480],
  redisSentinels: [26479, 26480, 26481],
  timescale: 15532,
  timescaleStandby: 15533, // PostgreSQL's streaming standby (synchronous), promoted when the primary dies
  mqtt: 1983,
};

/** STACK_HA=1 (or `--ha` on stack:up/down/status) asks for the HA shape. */
export const wantsHa = (env: NodeJS.ProcessEnv = process.env, argv: string[] = []): boolean =>
  argv.includes('--ha') || ['1', 'true', 'yes'].includes((env.STACK_HA ?? '').toLowerCase());

export const kafkaPom = join(repoRoot, 'tools', 'stack', 'kafka', 'pom.xml');

/** What `npm run stack:up` wrote to .data/stack.env (empty when the stack is not up); the environment wins. */
export function stackValue(name: 'DATABASE_URL' | 'KAFKA_BROKERS' | 'REDIS_URL' | 'MQTT_URL'): string | undefined {
  if (process.env[name]) return process.env[name];
  if (!existsSync(stackEnvFile)) return undefined;
  const line = readFileSync(stackEnvFile, 'utf8').split('\n').find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1);
}

// npm run rebuild -- <projection>: rebuilds a projection from the start of the log into fresh tables
// and swaps it in while the live one keeps serving. See apps/projector/src/rebuild.
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { redisConnection } from '#libs/redis';
import { DatabaseService, migrate } from '#libs/timescale';
import { BoardRebuild } from '../../apps/projector/src/rebuild/board-rebuild';
import type { ReplayStats } from '../../apps/projector/src/rebuild/log-replay';
import { TelemetryRebuild } from '../../apps/projector/src/rebuild/telemetry-rebuild';
import { progress } from '../stack/progress';
import { stackValue } from '../stack/stack.config';

const rebuildable = ['telemetry', 'dispatch'] as const;
const { positionals } = parseArgs({ allowPositionals: true });
const projection = positionals[0];

async function main(): Promise<void> {
  if (!rebuildable.includes(projection as (typeof rebuildable)[number])) {
    throw new Error(`usage: npm run rebuild -- <projection>; rebuildable: ${rebuildable.join(', ')}`);
  }
  const databaseUrl = stackValue('DATABASE_URL');
  const brokers = stackValue('KAFKA_BROKERS');
  const redisUrl = stackValue('REDIS_URL');
  if (!databaseUrl || !brokers || !redisUrl) throw new Error('set DATABASE_URL, KAFKA_BROKERS and REDIS_URL, or run `npm run stack:up` first');
  const logger = pino({ level: 'warn' });
  const kafka = new Kafka({ clientId: 'fieldline-rebuild', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const line = progress('rebuild', 2000);
  const started = Date.now();
  const onProgress = (p: ReplayStats & { phase?: string }) => {
    const rate = Math.round(p.events / Math.max(0.001, (Date.now() - started) / 1000));
    line.update(`${p.phase ?? 'building'}: ${p.consumed.toLocaleString('en')} / ${p.target.toLocaleString('en')} records, ${rate.toLocaleString('en')} events/s`);
  };
  if (projection === 'dispatch') {
    const redis = redisConnection(Redis, redisUrl, {}); // one server or Sentinels, as the apps read REDIS_URL
    try {
      const result = await new BoardRebuild(redis, kafka, onProgress).run();
      line.done(
        `dispatch board rebuilt from ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s: ` +
          `${result.jobs} jobs, ${result.technicians} technicians in ${result.tenants} tenants; swapped in`,
      );
    } finally {
      redis.disconnect();
    }
    return;
  }
  const db = new DatabaseService({ url: databaseUrl, poolMax: 2, logger });
  try {
    await migrate(db, logger);
    const result = await new TelemetryRebuild(db, kafka, onProgress).run();
    line.done(
      `${projection} rebuilt from ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s ` +
        `(${Math.round(result.events / result.seconds).toLocaleString('en')} events/s); rows live ${JSON.stringify(result.liveRows)} → rebuilt ${JSON.stringify(result.rebuiltRows)}; swapped in`,
    );
  } finally {
    await db.onApplicationShutdown();
  }
}

main().catch((error: unknown) => {
  console.error(`rebuild failed: ${(error as Error).message}`);
  process.exit(1);
});

// npm run rebuild -- <projection>: rebuilds a projection from the start of the log into fresh tables
// and swaps it in while the live one keeps serving. See apps/projector/src/rebuild.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { DatabaseService, migrate } from '#libs/timescale';
import { TelemetryRebuild } from '../../apps/projector/src/rebuild/telemetry-rebuild';
import { progress } from '../stack/progress';
import { stackValue } from '../stack/stack.config';

const rebuildable = ['telemetry'] as const;
const { positionals } = parseArgs({ allowPositionals: true });
const projection = positionals[0];

async function main(): Promise<void> {
  if (!rebuildable.includes(projection as (typeof rebuildable)[number])) {
    throw new Error(`usage: npm run rebuild -- <projection>; rebuildable: ${rebuildable.join(', ')} (the Redis boards rebuild by themselves: a new PROJECTOR_GROUP_PREFIX replays them idempotently)`);
  }
  const databaseUrl = stackValue('DATABASE_URL');
  const brokers = stackValue('KAFKA_BROKERS');
  if (!databaseUrl || !brokers) throw new Error('set DATABASE_URL and KAFKA_BROKERS, or run `npm run stack:up` first');
  const logger = pino({ level: 'warn' });
  const db = new DatabaseService({ url: databaseUrl, poolMax: 2, logger });
  const kafka = new Kafka({ clientId: 'fieldline-rebuild', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const line = progress('rebuild', 2000);
  const started = Date.now();
  try {
    await migrate(db, logger);
    const result = await new TelemetryRebuild(db, kafka, (p) => {
      const rate = Math.round(p.events / Math.max(0.001, (Date.now() - started) / 1000));
      line.update(`${p.phase}: ${p.consumed.toLocaleString('en')} / ${p.target.toLocaleString('en')} records, ${rate.toLocaleString('en')} events/s`);
    }).run();
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

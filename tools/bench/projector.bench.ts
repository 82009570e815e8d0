// npm run bench:projector -- [--events 300000] [--subjects 2000] [--rebuild-events 1000000] [--one-engine] [--profile]
// (--profile: the projector runs with --cpu-prof; its .cpuprofile lands in .data/profiles/)
//
// In one run against the local stack, on its database engine and then (when that is PostgreSQL, unless
// --one-engine) on an embedded database of its own, side by side:
// 1. the ceiling: raw multi-row INSERTs (2,000 rows per statement, the projector's own shape) into a
//    scratch copy of the locations hypertable of the same embedded database;
// 2. the projector (the built app, telemetry projection: history + live positions + feed) draining
//    a telemetry stream produced while it runs: rows/s, and consumer lag sampled every second;
// 3. `rebuild` of the telemetry history from the log, topped up to --rebuild-events.
// Prints rows/s, the ratio to the ceiling, lag, the rebuild time, and for the drain, the sustained run and
// the rebuild the CPU per fix of each process: the projector (history and positions together: one
// process), this bench (producer; the rebuild runs in it), Kafka, Redis and the database (cost-per-unit.ts;
// appended to docs/performance.md).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import pino from 'pino';
import { newEnvelope, serializeEvent, topics } from '#libs/events';
import { DatabaseService, migrate } from '#libs/timescale';
import { TelemetryRebuild } from '../../apps/projector/src/rebuild/telemetry-rebuild';
import { progress } from '../stack/progress';
import { lagOf } from './kafka-lag';
import { embeddedBenchComponent, postgresComponent } from '../stack/database.component';
import { readPid } from '../stack/managed-process';
import { raiseOne, raiseStack, stopComponents } from '../stack/stack-component';
import { stackComponents } from '../stack/stack';
import { dataDir, repoRoot } from '../stack/stack.config';
import { type Cost, driver, type Measured, openCostWindow, printCost, recordCostHistory, stackProcesses } from './cost-per-unit';
import { dropBenchTelemetry } from './bench-topics';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    subjects: { type: 'string', default: '2000' },
    'rebuild-events': { type: 'string', default: '1000000' },
    'one-engine': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const events = Number(values.events);
const subjects = Number(values.subjects);
const rebuildEvents = Number(values['rebuild-events']);
const logger = pino({ level: 'silent' });

/** `count` fixes for `tenantId`, round-robin over the subjects, one second apart per subject. */
function* fixes(tenantId: string, count: number, t0: number) {
  for (let i = 0; i < count; i++) {
    const subject = i % subjects;
    const n = Math.floor(i / subjects);
    const at = new Date(t0 + n * 1000);
    yield newEnvelope({
      type: 'telemetry.location_reported',
      tenantId,
      streamId: `dev-${subject}`,
      occurredAt: at,
      actor: { kind: 'device', id: `dev-${subject}` },
      data: { deviceId: `dev-${subject}`, subjectId: `tech-${subject}`, lat: 52 + n / 10_000, lon: 13 + subject / 1000, speedMps: 8, source: 'simulator', messageId: `m-${n}` },
    });
  }
}

async function produceAll(producer: Producer, tenantId: string, count: number, t0: number, onProgress: (sent: number) => void): Promise<void> {
  let batch: { key: string; value: string }[] = [];
  let sent = 0;
  const inFlight: Promise<unknown>[] = [];
  for (const e of fixes(tenantId, count, t0)) {
    batch.push({ key: e.data.deviceId, value: serializeEvent(e) });
    if (batch.length === 1_000) {
      inFlight.push(producer.send({ topic: topics.telemetry.name, acks: -1, messages: batch }));
      batch = [];
      sent += 1_000;
      if (inFlight.length >= 4) await inFlight.shift();
      onProgress(sent);
    }
  }
  if (batch.length) inFlight.push(producer.send({ topic: topics.telemetry.name, acks: -1, messages: batch }));
  await Promise.all(inFlight);
  onProgress(count);
}

async function ceiling(db: DatabaseService, rows: number): Promise<number> {
  for (const table of ['locations__bench', 'readings__bench']) await db.query(`DROP TABLE IF EXISTS ${table}`); // one at a time: hypertables
  await db.query("SELECT fieldline_create_tracking_tables('__bench')");
  const t0 = Date.now() - 86_400_000;
  const started = performance.now();
  for (let i = 0; i < rows; i += 2_000) {
    const n = Math.min(2_000, rows - i);
    const ids = Array.from({ length: n }, (_, k) => i + k);
    await db.query(
      `INSERT INTO locations__bench (time, tenant_id, subject_id, device_id, message_id, lat, lon, speed_mps, heading_deg, accuracy_m,
         altitude_m, battery_pct, source, segment_m, recorded_at)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::real[],
         $9::real[], $10::real[], $11::real[], $12::real[], $13::text[], $14::real[], $15::timestamptz[])
       ON CONFLICT DO NOTHING`,
      [
        ids.map((k) => new Date(t0 + Math.floor(k / subjects) * 1000)), ids.map(() => 'tnt_ceiling'), ids.map((k) => `tech-${k % subjects}`),
        ids.map((k) => `dev-${k % subjects}`), ids.map((k) => `m-${k}`), ids.map((k) => 52 + k / 1e7), ids.map(() => 13), ids.map(() => 8),
        ids.map(() => null), ids.map(() => null), ids.map(() => null), ids.map(() => null), ids.map(() => 'simulator'), ids.map(() => 10), ids.map(() => new Date()),
      ],
    );
  }
  const rate = rows / ((performance.now() - started) / 1000);
  for (const table of ['locations__bench', 'readings__bench']) await db.query(`DROP TABLE ${table}`);
  return rate;
}

interface EngineFigures {
  engine: string;
  ceiling: number;
  drained: number;
  sustained: number;
  offered: number;
  lagP50: number;
  rebuild: { events: number; seconds: number };
  /** CPU ms per 1,000 rows while draining: the projector process, and the database server. */
  projectorCpu: number;
  dbCpu: number;
  costs: Cost[];
}

/** Every step against one database: the ceiling, the drain, the sustained run and the rebuild. */
async function runEngine(engine: string, databaseUrl: string, dbPid: number | undefined, stackEnv: Record<string, string>, kafka: Kafka, producer: Producer): Promise<EngineFigures> {
  console.log(`\n▸ ${engine}`);
  const db = new DatabaseService({ url: databaseUrl, poolMax: 2, logger });
  await migrate(db, logger);
  const ceilingRate = await ceiling(db, Math.min(events, 200_000));
  console.log(`  raw multi-row INSERT (ceiling)       ${Math.round(ceilingRate).toLocaleString('en').padStart(8)} rows/s`);

  // Drain: the stream is in the topic first; the projector (a new group) projects the whole topic.
  const tenantId = `tnt_bench_${randomUUID().slice(0, 8)}`;
  const fill = progress('produce', 2000);
  const producedAt = performance.now();
  await produceAll(producer, tenantId, events, Date.now() - 86_400_000, (sent) => fill.update(`${sent.toLocaleString('en')} / ${events.toLocaleString('en')} events`));
  fill.done(`${events.toLocaleString('en')} events in the topic (${Math.round(events / ((performance.now() - producedAt) / 1000)).toLocaleString('en')}/s)`);

  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const groups = [`${prefix}-history`, `${prefix}-positions`];
  const profiling = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dataDir, 'profiles')}`] : [];
  const projector: ChildProcess = spawn(process.execPath, [...profiling, join(repoRoot, 'dist/apps/projector/src/main.js')], {
    env: { ...process.env, ...stackEnv, DATABASE_URL: databaseUrl, HTTP_PORT: '3092', LOG_LEVEL: 'warn', PROJECTOR_PROJECTIONS: 'history,positions', PROJECTOR_GROUP_PREFIX: prefix },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const line = progress('projector', 2000);
  while (!(await fetch('http://127.0.0.1:3092/health/ready').catch(() => undefined))?.ok) await new Promise((r) => setTimeout(r, 250));
  const database: Measured = { label: `database (${engine.startsWith('embedded') ? 'embedded' : 'PostgreSQL'})`, pid: dbPid, tree: true };
  const processes = [{ label: 'projector', pid: projector.pid }, driver('bench (producer, rebuild)'), ...stackProcesses(database)];
  // Measured from the first committed offsets to an empty lag, so start-up and group join do not count.
  let first: { at: number; lag: number; cpu: ReturnType<typeof openCostWindow> } | undefined;
  let drained = 0;
  let drainCost: Cost;
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const lag = await lagOf(kafka, groups, topics.telemetry.name).catch(() => undefined);
    if (lag === undefined) continue;
    const now = performance.now();
    first ??= { at: now, lag, cpu: openCostWindow(`${engine}: drain`, processes) };
    const rate = (first.lag - lag) / Math.max(0.001, (now - first.at) / 1000);
    line.update(`draining: lag ${lag.toLocaleString('en')} records, ${Math.round(rate).toLocaleString('en')} records/s`);
    if (lag === 0) {
      drained = rate;
      drainCost = first.cpu.stop({ count: first.lag, name: 'fix' });
      break;
    }
  }
  const perThousand = (label: string) => {
    const row = drainCost.rows.find((r) => r.label === label)!;
    return row.cpuMs / (row.units.count / 1000);
  };
  const cpu = { projector: perThousand('projector'), db: perThousand(database.label) };
  line.done(`drained at ${Math.round(drained).toLocaleString('en')} records/s`);
  console.log(`  projector drain (history+live+feed)  ${Math.round(drained).toLocaleString('en').padStart(8)} rows/s = ${((drained / ceilingRate) * 100).toFixed(1)} % of the ceiling; CPU per 1,000 rows: projector ${cpu.projector.toFixed(1)} ms, database ${cpu.db.toFixed(1)} ms`);

  // Sustained: a second stream produced as fast as this producer goes while the projector keeps up.
  const live = `tnt_bench_${randomUUID().slice(0, 8)}`;
  const lags: number[] = [];
  let producing = true;
  const sampling = (async () => {
    while (producing) {
      lags.push(await lagOf(kafka, groups, topics.telemetry.name));
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const liveStarted = performance.now();
  const liveCpu = openCostWindow(`${engine}: sustained (produced meanwhile)`, processes);
  await produceAll(producer, live, events, Date.now() - 43_200_000, () => undefined);
  const offered = events / ((performance.now() - liveStarted) / 1000);
  producing = false;
  await sampling;
  const count = async () => Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM locations WHERE tenant_id = $1', [live])).rows[0]!.n);
  while ((await count()) < events) await new Promise((r) => setTimeout(r, 250));
  const sustained = events / ((performance.now() - liveStarted) / 1000);
  const liveCost = liveCpu.stop({ count: events, name: 'fix' });
  projector.kill('SIGTERM');
  await new Promise((r) => projector.once('exit', r));
  const sorted = [...lags].sort((a, b) => a - b);
  const lagP50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(`  sustained, offered ${Math.round(offered).toLocaleString('en')}/s          ${Math.round(sustained).toLocaleString('en').padStart(8)} rows/s; consumer lag p50 ${lagP50.toLocaleString('en')}, max ${(sorted.at(-1) ?? 0).toLocaleString('en')} records`);

  // Top the topic up to the rebuild size, then rebuild it all.
  const admin = kafka.admin();
  await admin.connect();
  const inTopic = (await admin.fetchTopicOffsets(topics.telemetry.name)).reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  await admin.disconnect();
  if (inTopic < rebuildEvents) {
    const fill = progress('produce', 2000);
    const missing = rebuildEvents - inTopic;
    await produceAll(producer, `tnt_fill_${randomUUID().slice(0, 8)}`, missing, Date.now() - 2 * 86_400_000, (sent) => fill.update(`${sent.toLocaleString('en')} / ${missing.toLocaleString('en')} events into the topic`));
    fill.done(`topic holds ${rebuildEvents.toLocaleString('en')} telemetry events`);
  }
  const rebuildLine = progress('rebuild', 2000);
  const rebuildCpu = openCostWindow(`${engine}: rebuild (in the bench process)`, processes.slice(1));
  const result = await new TelemetryRebuild(db, kafka, (p) => rebuildLine.update(`${p.phase}: ${p.consumed.toLocaleString('en')} / ${p.target.toLocaleString('en')} records`)).run();
  const rebuildCost = rebuildCpu.stop({ count: result.events, name: 'event' });
  rebuildLine.done(`${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s`);
  console.log(`  rebuild from the log                 ${result.events.toLocaleString('en')} events in ${result.seconds.toFixed(1)} s (${Math.round(result.events / result.seconds).toLocaleString('en')} events/s)`);
  await db.onApplicationShutdown();
  return { engine, ceiling: ceilingRate, drained, sustained, offered, lagP50, rebuild: result, projectorCpu: cpu.projector, dbCpu: cpu.db, costs: [drainCost, liveCost, rebuildCost] };
}

async function main() {
  console.log(`bench:projector — ${events.toLocaleString('en')} fixes over ${subjects} subjects; rebuild of ${rebuildEvents.toLocaleString('en')} events`);
  const components = await stackComponents();
  const stack = await raiseStack(components);
  const kafka = new Kafka({ clientId: 'bench-projector', brokers: stack.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const database = components.find((c) => c.envVar === 'DATABASE_URL')!;
  const results = [await runEngine(database === postgresComponent ? 'PostgreSQL + TimescaleDB' : 'embedded (PGlite)', stack.env.DATABASE_URL!, readPid(database.name), stack.env, kafka, producer)];
  if (database === postgresComponent && !values['one-engine']) {
    // The embedded engine in the same run, on a database of its own (the rebuild reads the grown topic: compare events/s).
    const embedded = embeddedBenchComponent;
    rmSync(join(dataDir, 'embedded-bench'), { recursive: true, force: true });
    await raiseOne(embedded);
    try {
      results.push(await runEngine('embedded (PGlite)', embedded.url(), readPid(embedded.name), stack.env, kafka, producer));
    } finally {
      await stopComponents([embedded.name]);
    }
  }
  console.log('\n  engine                     ceiling rows/s   drain rows/s (% of ceiling)   CPU per 1,000 rows: projector  DB   rebuild events/s (s for the topic)');
  for (const r of results) {
    console.log(
      `  ${r.engine.padEnd(26)} ${Math.round(r.ceiling).toLocaleString('en').padStart(10)}   ${Math.round(r.drained).toLocaleString('en').padStart(10)} (${((r.drained / r.ceiling) * 100).toFixed(1).padStart(5)} %)` +
        `        ${r.projectorCpu.toFixed(1).padStart(6)} ms ${r.dbCpu.toFixed(1).padStart(6)} ms   ${Math.round(r.rebuild.events / r.rebuild.seconds).toLocaleString('en').padStart(8)} (${r.rebuild.events.toLocaleString('en')} in ${r.rebuild.seconds.toFixed(1)} s)`,
    );
  }
  console.log('  (producer, projector, Kafka, Redis and the database share the 2 cores)');
  const costs = results.flatMap((r) => r.costs);
  costs.forEach(printCost);
  recordCostHistory('bench:projector', costs);
  await producer.disconnect();
  await dropBenchTelemetry(stack.env.KAFKA_BROKERS!);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

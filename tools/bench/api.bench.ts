// npm run bench:api (autocannon) — create+assign throughput and latency of the API on this machine, against the
// real stack, with a same-run baseline (GET /health/live: HTTP + Nest, no database, no Kafka) so the
// figures can be read as ratios on a noisy 2-core box.
//
//   npm run bench:api -- [--seconds 15] [--concurrency 16] [--pool N] [--profile] [--one-engine] [--unprepared]
// (--pool: the API's DATABASE_POOL_MAX, its default otherwise)
// (--unprepared: the API with DATABASE_PREPARED_STATEMENTS=0, to compare)
// On PostgreSQL, the same scenarios then run on the embedded engine (its own database) in the same run,
// side by side; --one-engine skips that.
//   First the HTTP layer alone (framework-floor.app.ts): the ceiling of any command's share of /health/live.
//   --profile: the API runs with --cpu-prof; the .cpuprofile (open in Chrome DevTools) lands in .data/profiles/
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { newTenant, startApi } from '../../test/support/api';
import { startAppProcess } from '../../test/support/app-process';
import { TEST_TOKEN_KEY } from '../../test/support/token-keys';
import { embeddedBenchComponent, postgresComponent } from '../stack/database.component';
import { processState, readPid } from '../stack/managed-process';
import { raiseOne, raiseStack, stopComponents } from '../stack/stack-component';
import { stackComponents } from '../stack/stack';
import { dataDir } from '../stack/stack.config';
import { cpuSeconds, treeCpuSeconds } from './proc-cpu';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    profile: { type: 'boolean', default: false },
    'one-engine': { type: 'boolean', default: false },
    unprepared: { type: 'boolean', default: false },
    pool: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

/** POST /jobs' body, in the API's scenario and in the HTTP layer's alone. */
const JOB_BODY = JSON.stringify({ title: 'bench' });

/** autocannon's per-connection context across the create → assign sequence. */
type Ctx = { jobId?: string; technician?: string };

interface Figures {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

/** One autocannon run: `connections` clients for `seconds`, with progress on stderr. */
async function drive(label: string, options: Partial<autocannon.Options>): Promise<Figures> {
  process.stdout.write(`  ${label} …\r`);
  const result = await autocannon({ connections: concurrency, duration: seconds, ...options } as autocannon.Options);
  const figures = {
    rate: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
  console.log(`  ${label.padEnd(30)} ${figures.rate.toFixed(0).padStart(6)} req/s   p50 ${String(figures.p50).padStart(4)} ms   p99 ${String(figures.p99).padStart(4)} ms   errors ${figures.errors}`);
  return figures;
}

/**
 * A few seconds of load before a process is measured: a fresh process' first seconds (the JIT, its
 * consumer groups joining) made its /health/live baseline swing by 2× between runs.
 */
async function warmUp(options: Partial<autocannon.Options>): Promise<void> {
  await autocannon({ connections: concurrency, duration: 3, ...options } as autocannon.Options);
}

interface EngineFigures {
  engine: string;
  baseline: Figures;
  create: Figures;
  pairs: Figures;
  list: Figures;
  /** CPU ms per command in create+assign: the API process, and the database server (all its processes). */
  apiCpuMs: number;
  dbCpuMs: number;
}

/** Every scenario against one API on `databaseUrl`; `dbPid` is the database server's main process (its CPU, with its children's). */
async function runEngine(engine: string, databaseUrl: string, dbPid: number | undefined): Promise<EngineFigures> {
  console.log(`\n▸ ${engine}`);
  const profileDir = join(dataDir, 'profiles');
  const profiling: Record<string, string> = values.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {};
  const prepared: Record<string, string> = values.unprepared ? { DATABASE_PREPARED_STATEMENTS: '0' } : {};
  const pool: Record<string, string> = values.pool ? { DATABASE_POOL_MAX: values.pool } : {};
  const { app, http } = await startApi({ LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100000000', DATABASE_URL: databaseUrl, ...profiling, ...prepared, ...pool });
  try {
    const tenant = await newTenant(http);
    const technicians = await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const id = `tech_bench_${Date.now().toString(36)}_${i}`;
        const reply = await tenant.admin.post('/technicians', { technicianId: id, name: `Bench ${i}`, skills: ['hvac'] });
        if (reply.status !== 201) throw new Error(`technician: ${reply.status}`);
        return id;
      }),
    );
    const auth = { authorization: `Bearer ${tenant.dispatcherToken}`, 'content-type': 'application/json' };
    // commands first: what they leave to the relay and the consumers is done before the baseline starts
    await warmUp({ url: `${app.url}/jobs`, method: 'POST', headers: auth, body: JOB_BODY });
    await warmUp({ url: `${app.url}/health/live` });
    const baseline = await drive('GET /health/live (baseline)', { url: `${app.url}/health/live` });
    const create = await drive('POST /jobs', { url: `${app.url}/jobs`, method: 'POST', headers: auth, body: JOB_BODY });
    // Each client creates a job, then assigns it to its own technician (so no double booking).
    let next = 0;
    const cpuBefore = { api: cpuSeconds(app.child.pid!), db: treeCpuSeconds(dbPid) };
    const pairs = await drive('create+assign (per command)', {
      url: app.url,
      headers: auth,
      requests: [
        { method: 'POST', path: '/jobs', body: JSON.stringify({ title: 'bench', requiredSkills: ['hvac'] }), onResponse: (_s, body, context) => void ((context as Ctx).jobId = JSON.parse(body).id) },
        {
          method: 'POST',
          setupRequest: (request, raw) => {
            const context = raw as Ctx;
            context.technician ??= technicians[next++ % technicians.length];
            return { ...request, path: `/jobs/${context.jobId}/assign`, body: JSON.stringify({ technicianId: context.technician }) };
          },
        },
      ],
    });
    const commands = pairs.rate * seconds;
    const apiCpuMs = ((cpuSeconds(app.child.pid!) - cpuBefore.api) * 1000) / commands;
    const dbCpuMs = ((treeCpuSeconds(dbPid) - cpuBefore.db) * 1000) / commands;
    const list = await drive('GET /jobs?limit=50', { url: `${app.url}/jobs?limit=50`, headers: auth });
    console.log(`  CPU per command in create+assign: API ${apiCpuMs.toFixed(2)} ms, database ${dbCpuMs.toFixed(2)} ms`);
    return { engine, baseline, create, pairs, list, apiCpuMs, dbCpuMs };
  } finally {
    await app.stop();
    if (values.profile) console.log(`  CPU profile of the API: ${profileDir} (newest .cpuprofile)`);
  }
}

interface FloorFigures {
  live: Figures;
  post: Figures;
  /** CPU µs per request of the floor app: GET /health/live, and the validated POST /jobs. */
  liveCpuUs: number;
  postCpuUs: number;
}

/**
 * The HTTP layer's floor (framework-floor.app.ts): the API's platform and configureHttp with a POST /jobs
 * that validates CreateJobDto and answers a JobView, nothing behind it. What any command costs at least,
 * as a share of the same /health/live: the ceiling of the command scenarios' ratio on this stack.
 */
async function runFloor(env: NodeJS.ProcessEnv): Promise<FloorFigures> {
  console.log('\n▸ the HTTP layer alone (validation, no auth, no database)');
  const floor = await startAppProcess({ main: 'dist/tools/bench/framework-floor.app.js' }, {
    KAFKA_BROKERS: env.KAFKA_BROKERS!,
    REDIS_URL: env.REDIS_URL!,
    DATABASE_URL: env.DATABASE_URL!,
    JWT_PRIVATE_KEY_FILE: TEST_TOKEN_KEY.privateKeyFile,
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  try {
    const measured = async (label: string, options: Partial<autocannon.Options>) => {
      const before = cpuSeconds(floor.child.pid!);
      const figures = await drive(label, options);
      return { figures, cpuUs: ((cpuSeconds(floor.child.pid!) - before) * 1e6) / (figures.rate * seconds) };
    };
    await warmUp({ url: `${floor.url}/health/live` });
    await warmUp({ url: `${floor.url}/jobs`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JOB_BODY });
    const live = await measured('GET /health/live', { url: `${floor.url}/health/live` });
    const post = await measured('POST /jobs (validated, answered)', { url: `${floor.url}/jobs`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JOB_BODY });
    console.log(`  CPU per request: /health/live ${live.cpuUs.toFixed(0)} µs, POST /jobs ${post.cpuUs.toFixed(0)} µs`);
    return { live: live.figures, post: post.figures, liveCpuUs: live.cpuUs, postCpuUs: post.cpuUs };
  } finally {
    await floor.stop();
  }
}

async function main() {
  console.log(`bench:api — ${seconds} s per scenario, ${concurrency} concurrent clients`);
  const components = await stackComponents();
  const stack = await raiseStack(components);
  Object.assign(process.env, stack.env);
  const floor = await runFloor(stack.env);
  const results: EngineFigures[] = [];
  const main = components.find((c) => c.envVar === 'DATABASE_URL')!;
  results.push(await runEngine(main === postgresComponent ? 'PostgreSQL + TimescaleDB' : 'embedded (PGlite)', stack.env.DATABASE_URL!, processState(main.name).state === 'running' ? readPid(main.name) : undefined));
  if (main === postgresComponent && !values['one-engine']) {
    // The embedded engine in the same run, on a database of its own: the zero-install default, side by side.
    const embedded = embeddedBenchComponent;
    await raiseOne(embedded);
    try {
      results.push(await runEngine('embedded (PGlite)', embedded.url(), readPid(embedded.name)));
    } finally {
      await stopComponents([embedded.name]);
    }
  }
  console.log('\n  engine                     /health/live   POST /jobs (% of baseline)   create+assign cmds/s  p99   GET /jobs?limit=50   CPU/command API  DB');
  for (const r of results) {
    console.log(
      `  ${r.engine.padEnd(26)} ${r.baseline.rate.toFixed(0).padStart(8)}/s   ${r.create.rate.toFixed(0).padStart(6)}/s (${((r.create.rate / r.baseline.rate) * 100).toFixed(1).padStart(4)} %)` +
        `        ${r.pairs.rate.toFixed(0).padStart(6)}/s  ${String(r.pairs.p99).padStart(4)} ms  ${r.list.rate.toFixed(0).padStart(8)}/s p99 ${String(r.list.p99).padStart(3)} ms` +
        `   ${r.apiCpuMs.toFixed(2).padStart(5)} ms ${r.dbCpuMs.toFixed(2).padStart(5)} ms`,
    );
  }
  console.log(
    `  HTTP layer alone (same run):  ${floor.live.rate.toFixed(0).padStart(6)}/s   ${floor.post.rate.toFixed(0).padStart(6)}/s (${((floor.post.rate / floor.live.rate) * 100).toFixed(1).padStart(4)} %)` +
      `   CPU per request ${floor.liveCpuUs.toFixed(0)} / ${floor.postCpuUs.toFixed(0)} µs: no command can exceed that share of /health/live here`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// npm run bench:api — create+assign throughput and latency of the API on this machine, against the
// real stack, with a same-run baseline (GET /health/live: HTTP + Nest, no database, no Kafka) so the
// figures can be read as ratios on a noisy 2-core box.
//
//   npm run bench:api -- [--seconds 15] [--concurrency 16]
import { parseArgs } from 'node:util';
import { ApiClient } from '../../apps/api/test/api-client';
import { newTenant, startApi } from '../../apps/api/test/support';
import { raiseStack } from '../stack/stack-component';
import { stackComponents } from '../stack/stack';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, concurrency: { type: 'string', default: '16' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

interface Run {
  ops: number;
  errors: number;
  latencies: number[];
  elapsedMs: number;
}

/** `concurrency` loops run `op` back to back for `seconds`; each op's latency is recorded. */
async function drive(label: string, op: (worker: number, i: number) => Promise<boolean>): Promise<Run> {
  const run: Run = { ops: 0, errors: 0, latencies: [], elapsedMs: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const progress = setInterval(() => process.stdout.write(`\r  ${label}: ${run.ops} ops, ${run.errors} errors …`), 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t = performance.now();
        const ok = await op(worker, i).catch(() => false);
        run.latencies.push(performance.now() - t);
        if (ok) run.ops++;
        else run.errors++;
      }
    }),
  );
  clearInterval(progress);
  run.elapsedMs = performance.now() - started;
  process.stdout.write('\r');
  return run;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
function report(label: string, run: Run) {
  const sorted = [...run.latencies].sort((a, b) => a - b);
  const rate = run.ops / (run.elapsedMs / 1000);
  console.log(`  ${label.padEnd(28)} ${rate.toFixed(0).padStart(6)} /s   p50 ${pct(sorted, 50).toFixed(1).padStart(6)} ms   p99 ${pct(sorted, 99).toFixed(1).padStart(6)} ms   errors ${run.errors}`);
  return rate;
}

async function main() {
  console.log(`bench:api — ${seconds} s per scenario, ${concurrency} concurrent clients`);
  const stack = await raiseStack(stackComponents);
  Object.assign(process.env, stack.env);
  const { app, http } = await startApi({ LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100000000' });
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
    const anon = new ApiClient(app.url);
    const baseline = report('GET /health/live (baseline)', await drive('baseline', async () => (await anon.get('/health/live')).status === 200));
    const create = report('POST /jobs', await drive('create', async () => (await tenant.dispatcher.post('/jobs', { title: 'bench' })).status === 201));
    const pair = await drive('create+assign', async (worker) => {
      const job = await tenant.dispatcher.post('/jobs', { title: 'bench', requiredSkills: ['hvac'] });
      if (job.status !== 201) return false;
      return (await tenant.dispatcher.post(`/jobs/${job.body.id}/assign`, { technicianId: technicians[worker] })).status === 200;
    });
    const pairs = report('create+assign (2 commands)', pair);
    console.log(`\n  commands/s in create+assign: ${(pairs * 2).toFixed(0)}; POST /jobs at ${((create / baseline) * 100).toFixed(1)} % of the baseline's rate`);
    console.log('  (embedded TimescaleDB: every transaction is serialized through one PGlite session; a real TimescaleDB differs)');
  } finally {
    await app.stop();
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

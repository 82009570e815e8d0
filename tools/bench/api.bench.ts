// npm run bench:api (autocannon) — create+assign throughput and latency of the API on this machine, against the
// real stack, with a same-run baseline (GET /health/live: HTTP + Nest, no database, no Kafka) so the
// figures can be read as ratios on a noisy 2-core box.
//
//   npm run bench:api -- [--seconds 15] [--concurrency 16] [--profile]
//   --profile: the API runs with --cpu-prof; the .cpuprofile (open in Chrome DevTools) lands in .data/profiles/
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { newTenant, startApi } from '../../apps/api/test/support';
import { raiseStack } from '../stack/stack-component';
import { stackComponents } from '../stack/stack';
import { dataDir } from '../stack/stack.config';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '15' }, concurrency: { type: 'string', default: '16' }, profile: { type: 'boolean', default: false } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

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

async function main() {
  console.log(`bench:api — ${seconds} s per scenario, ${concurrency} concurrent clients`);
  const stack = await raiseStack(await stackComponents());
  Object.assign(process.env, stack.env);
  const profileDir = join(dataDir, 'profiles');
  const profiling: Record<string, string> = values.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {};
  const { app, http } = await startApi({ LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100000000', ...profiling });
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
    const baseline = await drive('GET /health/live (baseline)', { url: `${app.url}/health/live` });
    const create = await drive('POST /jobs', { url: `${app.url}/jobs`, method: 'POST', headers: auth, body: JSON.stringify({ title: 'bench' }) });
    // Each client creates a job, then assigns it to its own technician (so no double booking).
    let next = 0;
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
    console.log(`\n  commands/s in create+assign: ${pairs.rate.toFixed(0)} (p99 ${pairs.p99} ms); POST /jobs at ${((create.rate / baseline.rate) * 100).toFixed(1)} % of the baseline's rate`);
    console.log('  (embedded TimescaleDB: every transaction is serialized through one PGlite session; a real TimescaleDB differs)');
  } finally {
    await app.stop();
  }
  if (values.profile) console.log(`  CPU profile of the API: ${profileDir} (newest .cpuprofile)`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

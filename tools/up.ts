// npm run up — the whole system on this machine: builds, raises the stack, starts the five apps, prints
// where to look, and on Ctrl-C stops the apps and whatever part of the stack it started itself.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { logFile, processState, sleep, tailLog } from './stack/managed-process';
import { writeScrapeTargets } from './stack/prometheus.component';
import { raiseStack, stopComponents } from './stack/stack-component';
import { allComponents, stackComponents } from './stack/stack';
import { dataDir, host, ports, repoRoot } from './stack/stack.config';
import { buildWeb } from './web-build';
import { type DemoLogins, type DemoPlan, loginsOf, loginWorks, planDemo, seedDemo } from './demo/demo-seed';

const apps = [
  { name: 'api', port: 3000 },
  { name: 'ingest', port: 3001 },
  { name: 'projector', port: 3002 },
  { name: 'realtime', port: 3003 },
  { name: 'media', port: 3004 },
] as const;

const colours = [36, 32, 35, 33, 34];

/**
 * Development secrets, made once and kept in .data/dev-secrets.env so tokens survive a restart.
 * Production sets its own (docs/configuration.md).
 */
function devSecrets(): Record<string, string> {
  const file = join(dataDir, 'dev-secrets.env');
  if (!existsSync(file)) {
    const fresh = { JWT_SECRET: randomBytes(32).toString('base64url'), API_BOOTSTRAP_TOKEN: randomBytes(16).toString('base64url') };
    writeFileSync(file, Object.entries(fresh).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  }
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
}
const running = new Map<string, ChildProcess>();
let stopping = false;

/** The apps log JSON lines; on a terminal we show `app level msg key=value` and keep the JSON otherwise. */
function relay(name: string, colour: number, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
  const prefix = out.isTTY ? `\x1b[${colour}m${name.padEnd(9)}\x1b[0m` : `${name.padEnd(9)}`;
  createInterface({ input: stream }).on('line', (line) => {
    if (!out.isTTY) return void out.write(`${prefix} ${line}\n`);
    try {
      const { level, msg, time: _t, app: _a, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      out.write(`${prefix} ${String(level ?? '').padEnd(5)} ${String(msg ?? '')} ${extra}\n`);
    } catch {
      out.write(`${prefix} ${line}\n`);
    }
  });
}

/**
 * Waits until the app is ready: true, or the reasons it gives for not being ready once it has said
 * the same for 10 s while live (media without a mediasoup worker stays so), or false if it never answered.
 */
async function waitReady(name: string, port: number, timeoutMs = 90_000): Promise<true | string | false> {
  const deadline = Date.now() + timeoutMs;
  let notReadySince: number | undefined;
  while (Date.now() < deadline && !stopping) {
    if (!running.has(name)) return false;
    const reply = await fetch(`http://${host}:${port}/health/ready`).then(
      async (r) => ({ ok: r.ok, body: (await r.json().catch(() => ({}))) as { error?: Record<string, { reason?: string; message?: string }> } }),
      () => undefined,
    );
    if (reply?.ok) return true;
    if (reply) {
      notReadySince ??= Date.now();
      if (Date.now() - notReadySince > 10_000) {
        return Object.entries(reply.body.error ?? {}).map(([what, e]) => `${what}: ${e.reason ?? e.message ?? 'down'}`).join('; ') || 'not ready';
      }
    }
    await sleep(500);
  }
  return false;
}

/** .data/demo.json: the plan is saved before the first request, so a seed cut off half way is completed next time. */
interface DemoState {
  plan: DemoPlan;
  complete: boolean;
}

/** The demo to use: the saved one while its logins work, the saved plan completed, or a new one. */
async function demoLogins(apiUrl: string, bootstrapToken: string): Promise<DemoLogins> {
  const file = join(dataDir, 'demo.json');
  const save = (state: DemoState) => writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 });
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoState>) : {};
  const plan = saved.plan;
  const admin = plan && { email: plan.emails.admin, password: plan.password };
  if (plan?.tenantId && saved.complete && (await loginWorks(apiUrl, admin!))) return loginsOf({ ...plan, tenantId: plan.tenantId });
  // A half-made demo whose tenant is gone (the database was wiped) is started again from a new plan.
  const resume = plan && !saved.complete && (!plan.tenantId || (await loginWorks(apiUrl, admin!)));
  if (resume) console.log('│ demo: completing the demo an earlier run started');
  const state: DemoState = { plan: resume ? plan : planDemo(), complete: false };
  save(state);
  const logins = await seedDemo(apiUrl, bootstrapToken, state.plan, {
    clock: { now: () => new Date() }, // up.ts runs before the build: no #libs import here
    log: (line) => console.log(`│ ${line}`),
    onTenant: (withTenant) => save({ plan: withTenant, complete: false }),
  });
  save({ plan: { ...state.plan, tenantId: logins.tenantId }, complete: true });
  return logins;
}

/**
 * The demo tenant (seeded once, kept in .data/demo.json while its logins work) and the simulator
 * driving its technicians' phones over MQTT, so the map is alive at first open.
 */
async function startDemo(secrets: Record<string, string>, stackEnv: Record<string, string>): Promise<void> {
  const apiUrl = `http://${host}:3000`;
  let demo: DemoLogins;
  try {
    demo = await demoLogins(apiUrl, secrets.API_BOOTSTRAP_TOKEN!);
  } catch (error) {
    console.log(`│ demo: not seeded (${(error as Error).message}); the apps run without it. The next \`npm run up\` completes it.`);
    return;
  }
  console.log(`│ dashboard  http://${host}:3000/app/`);
  console.log(`│   dispatcher  ${demo.dispatcher.email}  ${demo.dispatcher.password}`);
  console.log(`│   technician  ${demo.technician.email}  ${demo.technician.password}  (open it in a narrow window or on a phone)`);
  const simulator = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools', 'simulate', 'simulate.ts'), '--devices', String(demo.technicianIds.length), '--tenant', demo.tenantId, '--quiet'], {
    cwd: repoRoot,
    env: { ...process.env, ...stackEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.set('simulator', simulator);
  relay('simulator', 90, simulator.stdout!, process.stdout);
  relay('simulator', 90, simulator.stderr!, process.stderr);
  simulator.on('exit', (code, signal) => {
    running.delete('simulator');
    if (!stopping) console.error(`✘ simulator exited (${signal ?? `code ${code}`}); the apps keep running.`);
  });
  console.log(`│ simulator  ${demo.technicianIds.length} phones of the demo technicians over MQTT (npm run simulate for more)`);
}

async function main(): Promise<void> {
  console.log(`▸ Node ${process.version} (${process.execPath})`);
  console.log('▸ build (tsc -b)');
  const build = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (build.status !== 0 || !buildWeb()) throw new Error('the build failed; fix the errors above and run npm run up again');

  console.log('▸ stack');
  const stack = await raiseStack(await stackComponents());

  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n▸ stopping (${reason}) …`);
    for (const child of running.values()) child.kill('SIGTERM');
    const deadline = Date.now() + 15_000;
    while (running.size > 0 && Date.now() < deadline) await sleep(100);
    for (const child of running.values()) child.kill('SIGKILL');
    if (stack.started.length > 0) await stopComponents(stack.started);
    else console.log('  the stack was already running before `npm run up`; leaving it up (npm run stack:down stops it)');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('Ctrl-C'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const secrets = devSecrets();
  console.log('▸ apps');
  apps.forEach(({ name, port }, i) => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist', 'apps', name, 'src', 'main.js')], {
      cwd: repoRoot,
      // media: browsers on this machine reach the SFU at the stack's host (0.0.0.0 is no ICE candidate)
      env: { ...secrets, ...(name === 'media' ? { MEDIA_ANNOUNCED_ADDRESS: host } : {}), ...process.env, ...stack.env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.set(name, child);
    relay(name, colours[i], child.stdout!, process.stdout);
    relay(name, colours[i], child.stderr!, process.stderr);
    child.on('exit', (code, signal) => {
      running.delete(name);
      if (!stopping) console.error(`✘ ${name} exited (${signal ?? `code ${code}`}); the others keep running. Ctrl-C to stop.`);
    });
  });

  // Prometheus (a stack component) scrapes whatever the targets files name
  writeScrapeTargets('up', [{ targets: apps.map(({ port }) => `${host}:${port}`) }]);
  const ready = await Promise.all(apps.map(({ name, port }) => waitReady(name, port)));
  if (stopping) return;
  console.log('\n┌ Fieldline is up');
  apps.forEach(({ name, port }, i) => {
    const state = ready[i] === true ? 'ready' : ready[i] === false ? 'NOT RUNNING (see its log lines above)' : `NOT READY — ${ready[i]}`;
    console.log(`│ ${name.padEnd(10)} http://${host}:${port}  health: /health/live /health/ready  ${state}`);
  });
  console.log(`│ mqtt       mqtt://${host}:${ports.mqtt}  (MQTT over WebSocket: ws://${host}:8083/mqtt)`);
  if (stack.env.PROMETHEUS_URL) console.log(`│ metrics    ${stack.env.PROMETHEUS_URL}  (Prometheus: every app's /metrics, alerts at /alerts; Grafana dashboard: deploy/grafana/fieldline.json)`);
  for (const [k, v] of Object.entries(stack.env)) console.log(`│ ${k}=${v}`);
  console.log(`│ API docs   http://${host}:3000/docs   (create a tenant: POST /tenants with X-Bootstrap-Token from .data/dev-secrets.env)`);
  if (ready[0] === true) await startDemo(secrets, stack.env);
  console.log('└ Ctrl-C stops everything this command started.\n');

  // A stack component that dies under the apps is reported, not hidden.
  const reported = new Set<string>();
  setInterval(() => {
    for (const c of allComponents) {
      if (processState(c.name).state === 'dead' && !reported.has(c.name)) {
        reported.add(c.name);
        console.error(`✘ ${c.name} died. Last lines of ${logFile(c.name)}:\n${tailLog(c.name)}`);
      }
    }
  }, 5_000).unref();
}

main().catch((error: Error) => {
  console.error(`npm run up failed: ${error.message}`);
  for (const child of running.values()) child.kill('SIGTERM');
  process.exit(1);
});

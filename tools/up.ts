// npm run up — the whole system on this machine: builds, raises the stack, starts the five apps, prints
// where to look, and on Ctrl-C stops the apps and whatever part of the stack it started itself.
// Each app's every line goes to .data/logs/<app>.log; the console shows progress, the summary and
// then only the apps' warnings and errors, one line each, repeats collapsed (app-logs.ts).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, type WriteStream, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { apps, consoleLine, RepeatCollapser, repeatedLine } from './app-logs';
import { logFile, processState, sleep, tailLog } from './stack/managed-process';
import { progress } from './stack/progress';
import { writeScrapeTargets } from './stack/prometheus.component';
import { ensureDevelopmentTls } from './stack/development-tls';
import { raiseStack, stopComponents } from './stack/stack-component';
import { allComponents, stackComponents } from './stack/stack';
import { dataDir, host, logDir, ports, repoRoot } from './stack/stack.config';
import { buildWeb } from './web-build';
import { type DemoLogins, type DemoPlan, loginsOf, loginWorks, planDemo, seedDemo } from './demo/demo-seed';

const colours: Record<string, number> = { api: 36, ingest: 32, projector: 35, realtime: 33, media: 34, simulator: 90 };

/**
 * Development secrets, made once and kept in .data/dev-secrets.env so tokens survive a restart.
 * Production sets its own (docs/configuration.md).
 */
function devSecrets(): Record<string, string> {
  const file = join(dataDir, 'dev-secrets.env');
  if (!existsSync(file)) {
    const fresh = { API_BOOTSTRAP_TOKEN: randomBytes(16).toString('base64url') };
    writeFileSync(file, Object.entries(fresh).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  }
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
}

/**
 * The api's token signing key, made once in .data (tokens survive a restart); realtime and media take
 * its public half from the api's /.well-known/jwks.json, as in production.
 */
function devTokenKeys(): Record<string, string> {
  const file = join(dataDir, 'jwt-signing-key.pem');
  if (!existsSync(file)) writeFileSync(file, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { JWT_PRIVATE_KEY_FILE: file, JWKS_URL: `${scheme}://${host}:3000/.well-known/jwks.json` };
}

/** The api's VAPID key for Web Push, made once in .data (browsers' push subscriptions are bound to it: they outlive a restart). */
function devVapidKey(): Record<string, string> {
  const file = join(dataDir, 'vapid-private-key.pem');
  if (!existsSync(file)) writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { VAPID_PRIVATE_KEY_FILE: file, VAPID_SUBJECT: 'mailto:dev@fieldline.test' };
}

/** `npm run up -- --tls`: every app on the development certificates (.data/tls), HTTPS/WSS and MQTT over TLS beside plain MQTT. */
const tlsMode = process.argv.includes('--tls');
const scheme = tlsMode ? 'https' : 'http';

/** The apps' TLS settings, and this process trusting the development CA (its readiness checks, the demo seed). */
async function developmentTlsEnv(): Promise<Record<string, string>> {
  if (!tlsMode) return {};
  const tls = await ensureDevelopmentTls();
  setDefaultCACertificates([...getCACertificates('default'), readFileSync(tls.caFile, 'utf8')]);
  console.log(`▸ TLS: certificates in ${relative(repoRoot, tls.dir)}; clients trust ${relative(repoRoot, tls.caFile)} (browsers: import it as an authority)`);
  return {
    TLS_CERT_FILE: tls.certFile,
    TLS_KEY_FILE: tls.keyFile,
    NODE_EXTRA_CA_CERTS: tls.caFile, // realtime and media read the api's keys over HTTPS
    MQTT_DEVICE_CA_FILE: tls.deviceCaFile,
    DEVICE_CA_CERT_FILE: tls.deviceCaFile,
    DEVICE_CA_KEY_FILE: tls.deviceCaKeyFile,
  };
}

const running = new Map<string, ChildProcess>();
let stopping = false;

/** Apps whose /health/ready this command is asking: their "Health Check has failed!" answers it, and the summary says why. */
const probing = new Set<string>();
const repeats = new RepeatCollapser<{ name: string; text: string }>();
const prefix = (name: string): string => (process.stdout.isTTY ? `\x1b[${colours[name] ?? 0}m${name.padEnd(9)}\x1b[0m` : name.padEnd(9));
const shownPath = (name: string): string => relative(repoRoot, logFile(name));

/** .data/logs/<name>.log, begun afresh each run (the previous run's is kept as <name>.log.1), so it never grows without end. */
function openLog(name: string): WriteStream {
  mkdirSync(logDir, { recursive: true });
  if (existsSync(logFile(name))) renameSync(logFile(name), `${logFile(name)}.1`);
  return createWriteStream(logFile(name), { flags: 'a' });
}

/** Every line of the child into its log as written; its warnings and errors on the console, one line each. */
function relay(name: string, child: ChildProcess): void {
  const log = openLog(name);
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream]! }).on('line', (line) => {
      log.write(`${line}\n`);
      const shown = consoleLine(line, stream, { hideHealthFailures: probing.has(name) });
      if (shown && (shown.key === undefined || repeats.offer(`${name} ${shown.key}`, { name, text: shown.text }, Date.now()))) {
        console.log(`${prefix(name)} ${shown.text}`);
      }
    });
  }
  child.on('close', () => log.end());
}

/**
 * Waits until the app is ready: true, or the reasons it gives for not being ready once it has said
 * the same for 10 s while live (media without a mediasoup worker stays so), or false if it never answered.
 */
async function waitReady(name: string, port: number, timeoutMs = 90_000): Promise<true | string | false> {
  probing.add(name);
  try {
    return await askReady(name, port, timeoutMs);
  } finally {
    setTimeout(() => probing.delete(name), 1_000); // the app's line about the last answer may come after the answer
  }
}

async function askReady(name: string, port: number, timeoutMs: number): Promise<true | string | false> {
  const deadline = Date.now() + timeoutMs;
  let notReadySince: number | undefined;
  while (Date.now() < deadline && !stopping) {
    if (!running.has(name)) return false;
    const reply = await fetch(`${scheme}://${host}:${port}/health/ready`).then(
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
  const apiUrl = `${scheme}://${host}:3000`;
  let demo: DemoLogins;
  try {
    demo = await demoLogins(apiUrl, secrets.API_BOOTSTRAP_TOKEN!);
  } catch (error) {
    console.log(`│ demo: not seeded (${(error as Error).message}); the apps run without it. The next \`npm run up\` completes it.`);
    return;
  }
  console.log(`│ dashboard  ${apiUrl}/app/`);
  console.log(`│   dispatcher  ${demo.dispatcher.email}  ${demo.dispatcher.password}`);
  console.log(`│   technician  ${demo.technician.email}  ${demo.technician.password}  (open it in a narrow window or on a phone)`);
  const simulator = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools', 'simulate', 'simulate.ts'), '--devices', String(demo.technicianIds.length), '--tenant', demo.tenantId, '--quiet'], {
    cwd: repoRoot,
    env: { ...process.env, ...stackEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.set('simulator', simulator);
  relay('simulator', simulator);
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

  const secrets = { ...devSecrets(), ...devTokenKeys(), ...devVapidKey(), ...(await developmentTlsEnv()) };
  console.log('▸ apps');
  apps.forEach(({ name, port }) => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist', 'apps', name, 'src', 'main.js')], {
      cwd: repoRoot,
      // media: browsers on this machine reach the SFU at the stack's host (0.0.0.0 is no ICE candidate)
      env: { ...secrets, ...(name === 'media' ? { MEDIA_ANNOUNCED_ADDRESS: host } : {}), ...process.env, ...stack.env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.set(name, child);
    relay(name, child);
    console.log(`  ${name.padEnd(10)} starting (pid ${child.pid})`);
    child.on('exit', (code, signal) => {
      running.delete(name);
      if (!stopping) console.error(`✘ ${name} exited (${signal ?? `code ${code}`}); the others keep running. Its log: ${shownPath(name)}. Ctrl-C to stop.`);
    });
  });
  setInterval(() => {
    for (const { about, count } of repeats.due(Date.now())) console.log(`${prefix(about.name)} ${repeatedLine(about.text, count)}`);
  }, 5_000).unref();

  // Prometheus (a stack component) scrapes whatever the targets files name
  writeScrapeTargets('up', [{ targets: apps.map(({ port }) => `${host}:${port}`) }]);
  const started = Date.now();
  const ready = await Promise.all(
    apps.map(async ({ name, port }) => {
      const state = await waitReady(name, port);
      const seconds = `${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (state === true) progress(name).done(`ready (${seconds})`);
      else progress(name).fail(state === false ? `not running (see ${shownPath(name)})` : `answers, but not ready after ${seconds}`);
      return state;
    }),
  );
  if (stopping) return;
  console.log('\n┌ Fieldline is up');
  apps.forEach(({ name, port }, i) => {
    const state = ready[i] === true ? 'ready' : ready[i] === false ? 'NOT RUNNING' : `NOT READY — ${ready[i]}`;
    console.log(`│ ${name.padEnd(10)} ${scheme}://${host}:${port}  log ${shownPath(name).padEnd(24)} ${state}`);
  });
  console.log(`│ health     /health/live /health/ready on each app`);
  console.log(`│ logs       every line in the files above (the previous run's in *.log.1); npm run logs -- <app> follows one; here only warnings and errors`);
  console.log(`│ mqtt       mqtt://${host}:${ports.mqtt}  (MQTT over WebSocket: ws://${host}:8083/mqtt)`);
  if (tlsMode) console.log(`│ mqtts      mqtts://localhost:8883  (secure WebSocket: wss://localhost:8084/mqtt; device certificates: POST /devices/{id}/certificate)`);
  if (stack.env.PROMETHEUS_URL) console.log(`│ metrics    ${stack.env.PROMETHEUS_URL}  (Prometheus: every app's /metrics, alerts at /alerts; Grafana dashboard: deploy/grafana/fieldline.json)`);
  for (const [k, v] of Object.entries(stack.env)) console.log(`│ ${k}=${v}`);
  console.log(`│ API docs   ${scheme}://${host}:3000/docs   (create a tenant: POST /tenants with X-Bootstrap-Token from .data/dev-secrets.env)`);
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

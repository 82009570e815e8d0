// npm test — one run of the whole suite against the real stack: installs the Debian tools the tests use,
// builds, raises whatever part of the stack is not running (or not given through the environment), runs
// every Jest tier, then stops what it started, so nothing is left running. Extra arguments go to Jest.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processState, logFile, tailLog } from './stack/managed-process';
import { embeddedLaneComponent, postgresComponent } from './stack/database.component';
import { raiseOne, raiseStack, stopComponents } from './stack/stack-component';
import { allComponents, allHaComponents, stackComponents, stackRaiseOptions } from './stack/stack';
import { dataDir, repoRoot } from './stack/stack.config';
import { ensureSchemathesis } from './stack/python-tools';
import { ensureBinaries } from './stack/system-packages';
import { buildWeb } from './web-build';

// The suite must finish well inside CI's limit; a hung handle must not eat the whole budget.
const suiteLimitMs = 30 * 60_000;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs?: number): number {
  const result = spawnSync(command, args, { cwd: repoRoot, env, stdio: 'inherit', timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    console.error(`✘ ${args[0] ?? command} was stopped after ${timeoutMs! / 60_000} min; look for a test that never ends or an open handle.`);
  }
  return result.status ?? 1;
}

const resultsFile = (lane: string): string => join(dataDir, `jest-results.${lane}.json`);

// The whole suite runs on the stack's engine (PostgreSQL + TimescaleDB wherever it can run). When that is
// PostgreSQL, this lane then proves the embedded default still serves `npm run up`: migrations, each
// projection's write and read (telemetry, derived, the job board inline), the demo seed, and every app
// outliving a crash of that engine too.
const embeddedLane = [
  'libs/timescale/src/timescale.int.spec.ts',
  'apps/projector/test/telemetry-projection.e2e.spec.ts',
  'apps/projector/test/derived-projection.e2e.spec.ts',
  'apps/projector/src/dispatch/dispatch-calls.int.spec.ts',
  'apps/api/test/jobs.e2e.spec.ts',
  'apps/api/test/tracking.e2e.spec.ts',
  'apps/api/test/database-outage.e2e.spec.ts',
  'apps/projector/test/database-outage.e2e.spec.ts',
  'apps/ingest/test/database-outage.e2e.spec.ts',
  'tools/demo/demo-seed.e2e.spec.ts',
];

// The HA lane's budget: raising the HA shape, the kill tests, stopping it again (measured ~4 min, before
// the PostgreSQL failover test's ~40 s).
const haLaneLimitMs = 11 * 60_000;
const isHaFilter = (arg: string): boolean => /\.ha\.spec|(^|\/)test\/ha\//.test(arg);

/**
 * The HA shape (three Kafka brokers …) raised beside the normal stack, the `ha` Jest project run on it,
 * then stopped again. A shape that cannot be raised fails the lane with the reason: never skipped.
 */
async function haLane(args: string[]): Promise<number> {
  const t0 = Date.now();
  console.log('▸ HA lane: raising the HA shape (npm run stack:up -- --ha: three KRaft Kafka brokers, replication 3 / ISR 2; PostgreSQL primary + synchronous standby)');
  const haEnv = { ...process.env, STACK_HA: '1' };
  let stack;
  try {
    stack = await raiseStack(await stackComponents(haEnv), haEnv, stackRaiseOptions(haEnv));
  } catch (error) {
    console.error(`✘ HA lane: the HA shape could not be raised here, so its kill tests did not run:\n${(error as Error).message}`);
    return 1;
  }
  try {
    console.log(`▸ jest on the HA shape (ready after ${((Date.now() - t0) / 1000).toFixed(1)} s; KAFKA_BROKERS=${stack.env.KAFKA_BROKERS})`);
    // one kill test at a time: a failover one test causes (a broker, the database primary) must not land in another's figures
    return jest('ha', stack.env, ['--selectProjects', 'ha', '--runInBand', ...args], Math.max(60_000, haLaneLimitMs - (Date.now() - t0)));
  } finally {
    for (const c of allHaComponents) {
      if (processState(c.name).state === 'dead') console.error(`\n✘ ${c.name} died during the HA lane (a test kills brokers but starts them again). Last lines of ${logFile(c.name)}:\n${tailLog(c.name)}`);
    }
    console.log(`▸ HA lane: stopping what it started: ${stack.started.join(', ') || 'nothing'} (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
    await stopComponents(stack.started);
  }
}

/** One plain closing line, the same in every run, for people and for CI: `tests: N passed, N failed, N skipped`. */
function summary(lanes: string[]): string | undefined {
  const results = lanes.filter((lane) => existsSync(resultsFile(lane)));
  if (results.length === 0) return undefined;
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const lane of results) {
    const r = JSON.parse(readFileSync(resultsFile(lane), 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
    total.passed += r.numPassedTests;
    total.failed += r.numFailedTests;
    total.skipped += r.numPendingTests + r.numTodoTests;
  }
  return `tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped${lanes.length > 1 ? ` (lanes: ${lanes.join(', ')})` : ''}`;
}

function jest(lane: string, env: NodeJS.ProcessEnv, args: string[], timeoutMs: number): number {
  rmSync(resultsFile(lane), { force: true });
  return run(
    process.execPath,
    // two workers for two cores, unless the lane asks for its own (the HA lane runs one test at a time)
    [join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js'), ...(args.some((a) => a === '--runInBand' || a.startsWith('--maxWorkers')) ? [] : ['--maxWorkers=2']), '--json', `--outputFile=${resultsFile(lane)}`, ...args],
    { ...process.env, ...env, FIELDLINE_TEST: '1' },
    timeoutMs,
  );
}

async function main(): Promise<number> {
  const t0 = Date.now();
  console.log(`▸ Node ${process.version} (${process.execPath})`);
  console.log('▸ system tools');
  ensureBinaries([
    { binary: 'mosquitto_pub', debianPackage: 'mosquitto-clients', why: 'a real MQTT peer in the ingest tests' },
    { binary: 'mosquitto_sub', debianPackage: 'mosquitto-clients', why: 'a real MQTT peer in the ingest tests' },
    { binary: 'mosquitto', debianPackage: 'mosquitto', why: 'the external broker of the scale-out tests' },
    { binary: 'chromium', debianPackage: 'chromium', why: 'the browser of the dashboard tests (driven by playwright-core)' },
    { binary: 'ffmpeg', debianPackage: 'ffmpeg', why: 'call recording (apps/media) and ffprobe reading the recordings in the call tests' },
    { binary: 'turnserver', debianPackage: 'coturn', why: 'the TURN relay the calls’ credentials are tested against (with its client, turnutils_uclient)' },
  ]);
  ensureSchemathesis();

  console.log('▸ build (tsc -b, then the web pages with vite)');
  if (run(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json']) !== 0 || !buildWeb()) {
    console.error('The build failed; fix the errors above, then run npm test again.');
    return 1;
  }

  const jestArgs = process.argv.slice(2);
  // Only HA specs asked for: the HA lane alone.
  if (jestArgs.length > 0 && jestArgs.every(isHaFilter)) {
    const code = await haLane(jestArgs);
    console.log(`▸ done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log(summary(['ha']) ?? '');
    return code;
  }

  console.log('▸ stack');
  const components = await stackComponents();
  const engine = process.env.FIELDLINE_DB_ENGINE ?? (components.includes(postgresComponent) ? 'postgres' : 'embedded');
  const stack = await raiseStack(components);
  const lanes = [engine];
  let code = 1;
  try {
    console.log(`▸ jest on ${engine} (stack ready after ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    code = jest(engine, { ...stack.env, FIELDLINE_DB_ENGINE: engine }, [...(jestArgs.includes('--selectProjects') ? [] : ['--selectProjects', 'unit', 'int', 'e2e']), ...jestArgs], Math.max(60_000, suiteLimitMs - (Date.now() - t0)));
    if (engine === 'postgres' && jestArgs.length === 0) {
      lanes.push('embedded');
      const lane = embeddedLaneComponent;
      rmSync(join(dataDir, 'embedded-lane'), { recursive: true, force: true });
      console.log('▸ embedded lane: the embedded database under what `npm run up` needs of it');
      await raiseOne(lane);
      try {
        const laneCode = jest('embedded', { ...stack.env, DATABASE_URL: lane.url(), FIELDLINE_DB_ENGINE: 'embedded' }, embeddedLane, Math.max(60_000, suiteLimitMs - (Date.now() - t0)));
        code = code || laneCode;
      } finally {
        await stopComponents([lane.name]);
      }
    }
  } finally {
    // A component that died during the run explains failures better than the failures themselves.
    for (const c of allComponents) {
      const state = processState(c.name);
      if (state.state === 'dead') {
        console.error(`\n✘ ${c.name} died during the test run. Last lines of ${logFile(c.name)}:\n${tailLog(c.name)}`);
        code = code || 1;
      }
    }
    if (stack.started.length > 0) {
      console.log(`▸ stopping what this run started: ${stack.started.join(', ')}`);
      await stopComponents(stack.started);
    }
  }
  if (jestArgs.length === 0) {
    lanes.push('ha');
    code = (await haLane([])) || code;
  }
  console.log(`▸ done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const closing = summary(lanes);
  if (closing) console.log(closing);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`npm test could not run: ${error.message}`);
    process.exit(1);
  },
);

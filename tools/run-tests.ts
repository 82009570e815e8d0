// npm test — one run of the whole suite against the real stack: installs the Debian tools the tests use,
// builds, raises whatever part of the stack is not running (or not given through the environment), runs
// every Jest tier, then stops what it started, so nothing is left running. Extra arguments go to Jest.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processState, logFile, tailLog } from './stack/managed-process';
import { raiseStack, stopComponents } from './stack/stack-component';
import { allComponents, stackComponents } from './stack/stack';
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

const resultsFile = join(dataDir, 'jest-results.json');

/** One plain closing line, the same in every run, for people and for CI: `tests: N passed, N failed, N skipped`. */
function summary(): string | undefined {
  if (!existsSync(resultsFile)) return undefined;
  const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  return `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
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

  console.log('▸ stack');
  const stack = await raiseStack(await stackComponents());
  let code = 1;
  try {
    console.log(`▸ jest (stack ready after ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    rmSync(resultsFile, { force: true });
    code = run(
      process.execPath,
      [join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js'), '--maxWorkers=2', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)],
      { ...process.env, ...stack.env, FIELDLINE_TEST: '1' },
      suiteLimitMs,
    );
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
  console.log(`▸ done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const closing = summary();
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

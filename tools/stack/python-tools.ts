import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './system-packages';
import { cacheDir } from './stack.config';

/** A PyPI tool in its own venv in the cache, installed once; `why` names the test that needs it. */
function ensurePythonTool(name: string, version: string, requirement: string, bin: string, why: string): string {
  const venv = join(cacheDir, `${name}-${version}`);
  const path = join(venv, 'bin', bin);
  if (existsSync(path)) return path;
  const python = which('python3');
  if (!python) throw new Error(`python3 is needed for ${why} (${name}): install python3 and python3-venv`);
  console.log(`  ${name} ${version}: first run, installing from PyPI into ${venv} …`);
  const steps: [string, string[]][] = [
    [python, ['-m', 'venv', venv]],
    [join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', requirement]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed; on Debian install python3-venv, then run the tests again`);
  }
  return path;
}

/** schemathesis for the OpenAPI fuzz test. */
export const SCHEMATHESIS_VERSION = '4.32.5';
export const ensureSchemathesis = (): string =>
  ensurePythonTool('schemathesis', SCHEMATHESIS_VERSION, `schemathesis==${SCHEMATHESIS_VERSION}`, 'schemathesis', 'the OpenAPI fuzz test');

/** moto's server: an S3-compatible server for the S3 proof store's test. */
export const MOTO_VERSION = '5.2.5';
export const ensureMotoServer = (): string => ensurePythonTool('moto', MOTO_VERSION, `moto[server]==${MOTO_VERSION}`, 'moto_server', 'the S3 proof store test');

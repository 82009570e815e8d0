import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { which } from './system-packages';
import { cacheDir } from './stack.config';

/** schemathesis (PyPI) for the OpenAPI fuzz test, in its own venv in the cache: installed once. */
export const SCHEMATHESIS_VERSION = '4.32.5';
export const schemathesisBin = join(cacheDir, `schemathesis-${SCHEMATHESIS_VERSION}`, 'bin', 'schemathesis');

export function ensureSchemathesis(): string {
  if (existsSync(schemathesisBin)) return schemathesisBin;
  const python = which('python3');
  if (!python) throw new Error('python3 is needed for the OpenAPI fuzz test (schemathesis): install python3 and python3-venv');
  const venv = join(cacheDir, `schemathesis-${SCHEMATHESIS_VERSION}`);
  console.log(`  schemathesis ${SCHEMATHESIS_VERSION}: first run, installing from PyPI into ${venv} …`);
  const steps: [string, string[]][] = [
    [python, ['-m', 'venv', venv]],
    [join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]],
  ];
  for (const [command, args] of steps) {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed; on Debian install python3-venv, then run npm test again`);
  }
  return schemathesisBin;
}

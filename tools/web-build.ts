import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './stack/stack.config';

/** Type-checks and bundles apps/web into dist/web (what the API serves under /app/); false when either fails. */
export function buildWeb(): boolean {
  const steps = [
    [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'apps/web'],
    [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'apps/web/vite.config.mts'],
  ];
  return steps.every((args) => spawnSync(process.execPath, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' } }).status === 0);
}

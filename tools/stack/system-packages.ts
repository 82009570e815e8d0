// Debian packages the stack and the tests need (redis-server, mosquitto-clients, chromium, …). On a Debian
// machine where we are root they are installed with apt-get; anywhere else the error says what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { progress } from './progress';

export class MissingToolError extends Error {}

export function which(binary: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

let aptUpdated = false;

/** Installs Debian packages with apt-get when we can (Debian, root); otherwise the error says what to install. */
export function aptInstall(packages: string[], why: string, opts: { refresh?: boolean } = {}): void {
  const canApt = existsSync('/etc/debian_version') && process.getuid?.() === 0 && Boolean(which('apt-get'));
  if (!canApt) {
    throw new MissingToolError(
      `Missing: ${why}. Install the Debian/Ubuntu packages: sudo apt-get install -y ${packages.join(' ')} ` +
        `(or your system's equivalent), then run the command again.`,
    );
  }
  const p = progress('apt');
  p.update(`installing ${packages.join(' ')} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (opts.refresh && !aptUpdated) {
    // an upgrade needs fresh package lists: with stale ones "install" is content with what is there
    p.update('apt-get update …');
    execFileSync('apt-get', ['update'], { env, stdio: 'pipe' });
    aptUpdated = true;
  }
  const install = (): boolean =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env, stdio: 'pipe' }).status === 0;
  if (!install()) {
    if (!aptUpdated) {
      p.update('apt-get update …');
      execFileSync('apt-get', ['update'], { env, stdio: 'pipe' });
      aptUpdated = true;
    }
    if (!install()) throw new MissingToolError(`apt-get install ${packages.join(' ')} failed; run it by hand to see why.`);
  }
  p.done(`installed ${packages.join(' ')}`);
}

/** Makes sure each binary exists, installing its Debian package when we can. Returns the binaries' paths. */
export function ensureBinaries(wanted: { binary: string; debianPackage: string; why: string }[]): Record<string, string> {
  const missing = wanted.filter((w) => !which(w.binary));
  if (missing.length > 0) {
    aptInstall([...new Set(missing.map((m) => m.debianPackage))], missing.map((m) => `${m.binary} (${m.why})`).join(', '));
  }
  const paths: Record<string, string> = {};
  for (const w of wanted) {
    const path = which(w.binary);
    if (!path) throw new MissingToolError(`${w.binary} is still missing after installing ${w.debianPackage}.`);
    paths[w.binary] = path;
  }
  return paths;
}

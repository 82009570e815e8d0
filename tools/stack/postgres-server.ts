// A real PostgreSQL 15 + TimescaleDB on this machine: Debian's postgresql-15, with TimescaleDB from the
// 2.28.3 build in ../shared/timescaledb (checked against its SHA256SUMS) unless one is installed already.
// Used by the stack's database component and by tests that need a server of their own to crash.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSha256Sums, sha256File } from '../../libs/platform/src/security/checksums'; // by path: the stack runs unbuilt
import { aptInstall, MissingToolError } from './system-packages';
import { repoRoot } from './stack.config';

export const PG_MAJOR = 15;
const bindir = `/usr/lib/postgresql/${PG_MAJOR}/bin`;
export const postgresBin = (name: 'postgres' | 'initdb' | 'pg_config' | 'pg_basebackup'): string => join(bindir, name);
export const sharedTimescaleDir = join(repoRoot, '..', 'shared', 'timescaledb', `pg${PG_MAJOR}-amd64`);
// The shared build links against symbols of the 15.20 server (heap_datum_check, …): an older 15.x fails
// to load it ("undefined symbol"), so the server is brought to at least this minor release.
const SHARED_BUILD_MIN_MINOR = 20;

function serverMinor(): number {
  const out = spawnSync(postgresBin('postgres'), ['--version'], { encoding: 'utf8' }).stdout;
  return Number(/\(PostgreSQL\) \d+\.(\d+)/.exec(out)?.[1] ?? 0);
}

let ensured: { timescale: 'installed' | 'shared' } | undefined;

/**
 * Installs what is missing; throws a MissingToolError saying what to do when it cannot. Checked once per
 * process (choosing the engine and preparing it both ask; the check hashes the build's files).
 */
export function ensurePostgres(): { timescale: 'installed' | 'shared' } {
  return (ensured ??= installPostgres());
}

function installPostgres(): { timescale: 'installed' | 'shared' } {
  if (!existsSync(postgresBin('postgres'))) aptInstall([`postgresql-${PG_MAJOR}`], `PostgreSQL ${PG_MAJOR} (${postgresBin('postgres')})`);
  const config = (flag: string): string => spawnSync(postgresBin('pg_config'), [flag], { encoding: 'utf8' }).stdout.trim();
  const libDir = config('--pkglibdir');
  const extensionDir = join(config('--sharedir'), 'extension');
  const target = (file: string): string => (file.startsWith('lib/') ? join(libDir, file.slice(4)) : join(extensionDir, file.slice('extension/'.length)));
  const shared = readSha256Sums(join(sharedTimescaleDir, 'SHA256SUMS'));
  const installed = existsSync(join(libDir, 'timescaledb.so')) && existsSync(join(extensionDir, 'timescaledb.control'));
  if (installed && ![...(shared ?? [])].every(([file, hash]) => existsSync(target(file)) && sha256File(target(file)) === hash)) return { timescale: 'installed' };
  if (!shared) {
    throw new MissingToolError(
      `TimescaleDB is not installed for PostgreSQL ${PG_MAJOR} and there is no build at ${sharedTimescaleDir}: ` +
        `install your distribution's timescaledb-2-postgresql-${PG_MAJOR}, or run with STACK_DATABASE=embedded.`,
    );
  }
  if (serverMinor() < SHARED_BUILD_MIN_MINOR) {
    aptInstall([`postgresql-${PG_MAJOR}`], `PostgreSQL ${PG_MAJOR}.${SHARED_BUILD_MIN_MINOR} or later (the TimescaleDB build needs it)`, { refresh: true });
    if (serverMinor() < SHARED_BUILD_MIN_MINOR) throw new MissingToolError(`PostgreSQL ${PG_MAJOR}.${serverMinor()} is too old for ${sharedTimescaleDir} (built against ${PG_MAJOR}.${SHARED_BUILD_MIN_MINOR}); upgrade postgresql-${PG_MAJOR}, or run with STACK_DATABASE=embedded.`);
  }
  if (installed) return { timescale: 'shared' };
  for (const [file, hash] of shared) {
    const actual = sha256File(join(sharedTimescaleDir, file));
    if (actual !== hash) throw new MissingToolError(`${join(sharedTimescaleDir, file)} does not match SHA256SUMS (${actual}); the build is damaged: fetch it again.`);
  }
  try {
    for (const file of shared.keys()) {
      copyFileSync(join(sharedTimescaleDir, file), target(file));
      chmodSync(target(file), 0o644);
    }
  } catch (error) {
    throw new MissingToolError(
      `could not install TimescaleDB into ${libDir} and ${extensionDir} (${(error as Error).message}): ` +
        `copy ${sharedTimescaleDir}/lib/* and extension/* there as root, or run with STACK_DATABASE=embedded.`,
    );
  }
  return { timescale: 'shared' };
}

/** PostgreSQL refuses to run as root: as root we run it as the postgres user (Debian's package creates it). */
export function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new MissingToolError('running as root, and there is no postgres user to run PostgreSQL as: reinstall postgresql-15, or run as a normal user.');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** initdb on first use (user postgres, password postgres, like the embedded engine and docker-compose). */
export function initCluster(dir: string): void {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const user = serverUser();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pwfile = join(dir, '..', `.${Date.now()}.pw`);
  writeFileSync(pwfile, 'postgres\n', { mode: 0o600 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  const result = spawnSync(
    postgresBin('initdb'),
    ['-D', dir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-instructions'],
    { cwd: dir, encoding: 'utf8', ...user },
  );
  rmSync(pwfile, { force: true });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed for ${dir}:\n${result.stderr || result.error?.message}`);
  }
}

/**
 * The server's settings, given on the command line so they live here rather than in a data directory:
 * sized for a 2-core, few-GB development box; durability as in production (fsync, synchronous commit),
 * since benchmarks and crash tests must measure the real thing. `extra` adds or overrides (the HA shape's replication).
 */
export function serverArgs(dir: string, host: string, port: number, extra: Record<string, string | number> = {}): string[] {
  const settings: Record<string, string | number> = {
    listen_addresses: host,
    port,
    unix_socket_directories: '', // TCP only: nothing to create under /var/run
    max_connections: 300, // every app's pool plus the tests' own clients
    shared_buffers: '256MB',
    effective_cache_size: '2GB',
    work_mem: '16MB',
    maintenance_work_mem: '128MB',
    max_wal_size: '2GB',
    checkpoint_completion_target: 0.9,
    random_page_cost: 1.1,
    effective_io_concurrency: 200,
    jit: 'off', // compiling costs more than it saves on our short queries
    max_worker_processes: 16,
    max_parallel_workers: 2,
    max_parallel_workers_per_gather: 1,
    shared_preload_libraries: 'timescaledb,pg_stat_statements', // the second: what each statement costs, for whoever tunes
    'timescaledb.telemetry_level': 'off', // no internet here; production decides for itself
    'timescaledb.max_background_workers': 8,
    timezone: 'UTC',
    log_timezone: 'UTC',
    log_line_prefix: '%m [%p] %q%u@%d ',
    log_min_duration_statement: 2000,
    ...extra,
  };
  return ['-D', dir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

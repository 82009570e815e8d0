import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf } from '../../tools/bench/proc-cpu';
import { isAlive } from '../../tools/stack/managed-process';
import { initCluster, postgresBin, serverArgs, serverUser } from '../../tools/stack/postgres-server';

export type DatabaseEngine = 'postgres' | 'embedded';

/** The engine of this run's lane (set by tools/run-tests.ts): tests that raise their own database use the same one. */
export const laneEngine = (): DatabaseEngine => (process.env.FIELDLINE_DB_ENGINE === 'postgres' ? 'postgres' : 'embedded');

const PORTS = { first: 15_600, count: 300 };
const reservations = join(tmpdir(), 'fieldline-test-ports');

const holderOf = (file: string) => {
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch {
    return 0; // released meanwhile
  }
};

/**
 * A port no other TestDatabase holds, in any test file running beside this one (each in its own jest
 * worker): a random pick alone gave two of them the same port now and then, and a test then read the
 * other's database as its own. Reserved by a file named after it (created exclusively), released by
 * remove(); one left by a process that died is taken over.
 */
function reservePort(): number {
  mkdirSync(reservations, { recursive: true });
  for (let attempt = 0; attempt < 4 * PORTS.count; attempt++) {
    const port = PORTS.first + Math.floor(Math.random() * PORTS.count);
    const file = join(reservations, String(port));
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return port;
    } catch {
      const holder = holderOf(file);
      if (holder && !isAlive(holder)) rmSync(file, { force: true }); // free again for the next attempt
    }
  }
  throw new Error(`no free test database port in ${PORTS.first}–${PORTS.first + PORTS.count - 1}: remove ${reservations} if no tests run`);
}

/**
 * A database of one test's own, on the lane's engine, on a port of its own over a temporary data
 * directory: something the test may SIGKILL and start again over the same data, without touching the
 * stack's database that other test files share.
 */
export class TestDatabase {
  readonly url: string;
  process?: ChildProcess;
  private readonly dir = join(mkdtempSync(join(tmpdir(), 'fieldline-db-')), 'data');

  constructor(
    readonly engine: DatabaseEngine = laneEngine(),
    readonly port = reservePort(),
  ) {
    this.url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  }

  start(): Promise<void> {
    const child = this.engine === 'postgres' ? this.spawnPostgres() : this.spawnEmbedded();
    this.process = child;
    const readyLine = this.engine === 'postgres' ? 'ready to accept connections' : '"listening"';
    return new Promise((resolve, reject) => {
      let seen = '';
      const watch = (chunk: Buffer) => {
        seen = (seen + chunk.toString()).slice(-4096);
        if (seen.includes(readyLine)) resolve();
      };
      child.stdout?.on('data', watch);
      child.stderr?.on('data', watch);
      child.once('exit', (code) => reject(new Error(`the test's ${this.engine} database exited with ${code}: ${seen}`)));
    });
  }

  /**
   * SIGKILL, as a crash: the server and, for PostgreSQL, every backend at once (each leads a process
   * group of its own, so they are found by parent; left alone they would linger a moment and hold the
   * shared memory the restarted server needs).
   */
  kill(): void {
    const pid = this.process?.pid;
    // gone already (an exit, or a signal): its pid may be another process's by now
    if (pid === undefined || this.process?.exitCode !== null || this.process?.signalCode !== null) return;
    for (const target of [pid, ...childrenOf(pid)]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  remove(): void {
    this.kill();
    rmSync(join(this.dir, '..'), { recursive: true, force: true });
    rmSync(join(reservations, String(this.port)), { force: true });
  }

  private spawnPostgres(): ChildProcess {
    chmodSync(join(this.dir, '..'), 0o755); // mkdtemp's 0700 would keep the postgres user out
    initCluster(this.dir);
    // A smaller cache than the stack's: several of these may run beside it.
    const args = [...serverArgs(this.dir, '127.0.0.1', this.port), '-c', 'shared_buffers=32MB', '-c', 'max_connections=50'];
    return spawn(postgresBin('postgres'), args, { cwd: this.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...serverUser() });
  }

  private spawnEmbedded(): ChildProcess {
    const server = join(__dirname, '..', '..', 'tools', 'stack', 'embedded-timescale.server.ts');
    return spawn(process.execPath, ['--import', 'tsx', server, '--data', this.dir, '--port', String(this.port)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  }
}

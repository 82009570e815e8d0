import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A database of one test's own (the embedded engine on a port of its own, over a temporary data
 * directory): something the test may SIGKILL and start again over the same data, without touching
 * the stack's database that other test files share.
 */
export class EmbeddedDatabase {
  readonly url: string;
  process?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'fieldline-db-'));

  constructor(readonly port = 15_600 + Math.floor(Math.random() * 300)) {
    this.url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  }

  start(): Promise<void> {
    const server = join(__dirname, '..', '..', 'tools', 'stack', 'embedded-timescale.server.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', server, '--data', this.dir, '--port', String(this.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.process = child;
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('"listening"') && resolve());
      child.once('exit', (code) => reject(new Error(`the test's database exited with ${code}`)));
    });
  }

  kill(): void {
    this.process?.kill('SIGKILL');
  }

  remove(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

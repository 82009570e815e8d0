import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { type AddressInfo, createServer } from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

export type AppName = 'api' | 'ingest' | 'projector' | 'realtime' | 'media';

/** The stack's variables, as the e2e setup loaded them from .data/stack.env. */
export const stackEnv = (): Record<string, string> => ({
  KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
  REDIS_URL: process.env.REDIS_URL!,
  DATABASE_URL: process.env.DATABASE_URL!,
  // the HA shape's topics keep 3 copies: an app given the brokers but not this creates them with one
  // (seen: the failover test that ran first left the telemetry topic with one replica per partition)
  ...(process.env.KAFKA_REPLICATION_FACTOR ? { KAFKA_REPLICATION_FACTOR: process.env.KAFKA_REPLICATION_FACTOR } : {}),
  // Each test process counts failed logins and CONNECTs on its own: tests all come from 127.0.0.1, and
  // one spec's lockout (or the fuzzer's wrong passwords) must not lock out the next spec.
  GUESS_NAMESPACE: `e2e-${randomUUID()}`,
});

export interface AppProcess {
  child: ChildProcess;
  /** Every stdout line, parsed; a line that is not JSON fails `lines` checks. */
  lines: string[];
  url: string;
  exit: Promise<number | null>;
  /** What it wrote on stderr (the apps log JSON on stdout; stderr holds what escaped that, e.g. a worker's debug output). */
  readonly stderr: string;
  stop(): Promise<number | null>;
}

/**
 * Runs a built app (dist/apps/<app>/src/main.js, or another built entry given as `{ main }`, relative to
 * the repository) as its own process, as production does, with exactly the given environment plus PATH.
 * Resolves once it logs that it listens; rejects with its output if it exits first.
 */
export async function startAppProcess(which: AppName | { main: string }, env: Record<string, string>, timeoutMs = 45_000): Promise<AppProcess> {
  const app = typeof which === 'string' ? which : path.basename(which.main);
  const main = typeof which === 'string' ? path.join(root, 'dist', 'apps', which, 'src', 'main.js') : path.join(root, which.main);
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` (npm test does it)`);
  const child = spawn(process.execPath, [main], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // an app that never listened must not outlive the test that started it
      reject(new Error(`${app} did not listen within ${timeoutMs} ms:\n${lines.join('\n')}\n${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        const record = tryParse(line);
        if (record?.event === 'app.listening') {
          clearTimeout(timer);
          resolve(record.url as string);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with ${code} before listening:\n${lines.join('\n')}\n${stderr}`));
    });
  });
  return {
    child,
    lines,
    get stderr() {
      return stderr;
    },
    url,
    exit,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Runs an app expected to refuse to start; gives its exit code and output. */
export async function runAppToExit(app: AppName, env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const main = path.join(root, 'dist', 'apps', app, 'src', 'main.js');
  const child = spawn(process.execPath, [main], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, lines: out.split('\n').filter(Boolean) };
}

export function tryParse(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A TCP port free now (asked of the kernel, then closed): for a server a test starts, or one that must refuse. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * What an app logged at warning level or above, counted by message (with the error, or the database host
 * passed over, that came with it): the why behind a kill test's gap or duplicate.
 */
export function warningsOf(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const record of lines.map(tryParse)) {
    if (!record || Number(record.level) < 40) continue;
    const what =
      `${String(record.msg)}${record.host ? ` (${String(record.host)} → ${String(record.next)})` : ''}` +
      `${record.err ? `: ${JSON.stringify(record.err).slice(0, 120)}` : ''}`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `×${n}: ${what}`);
}

/**
 * A port free for both TCP and UDP now (the SFU listens on both): asked of the kernel, not guessed — a
 * random pick in the ephemeral range can be the local port of some open connection.
 */
export async function freeRtcPort(): Promise<number> {
  // Below the kernel's ephemeral range (32768–60999 here): a port from listen(0), released and bound again
  // by the worker, could meanwhile become the local port of any outgoing connection of a parallel test
  // (seen: the media worker's "address already in use" in a clean-clone run).
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 6_000);
    const tcp = createServer();
    const tcpFree = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '0.0.0.0', () => resolve(true));
    });
    if (!tcpFree) continue;
    const udp = createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '0.0.0.0', () => resolve(true));
    });
    udp.close();
    await new Promise((resolve) => tcp.close(resolve));
    if (free) return port;
  }
}

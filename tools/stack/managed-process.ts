// A stack component runs as a detached process that outlives `npm run stack:up`: its pid sits in
// .data/stack/<name>.pid and its output in .data/logs/<name>.log, so stack:down, stack:status and the
// test runner can find it again, and a component that died is reported with the end of its log.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { logDir, stackDir } from './stack.config';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Runs the process as this user (PostgreSQL refuses root). */
  user?: { uid: number; gid: number };
  /** What asks it to stop at once (PostgreSQL's SIGTERM waits for every client to leave; SIGINT does not). */
  stopSignal?: NodeJS.Signals;
}

const pidFile = (name: string): string => join(stackDir, `${name}.pid`);
export const logFile = (name: string): string => join(logDir, `${name}.log`);

/**
 * Whether `pid` runs. A zombie does not: a process that exited but was not reaped yet still takes
 * signal 0. That happens to what `npm test` raised while its runner waits for Jest (spawnSync), so a
 * server a kill test stops would otherwise count as running for ever (a stop waited on it endlessly).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces and parentheses, so read after the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (error) {
    if (!existsSync('/proc/self/stat')) return true; // no /proc (not Linux): signal 0 is all there is
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'; // gone between the two looks
  }
}

// The pid file holds the pid and, when it is not SIGTERM, the signal that stops the process.
function readPidFile(name: string): { pid: number; stopSignal: NodeJS.Signals } | undefined {
  if (!existsSync(pidFile(name))) return undefined;
  const [pidText, signal] = readFileSync(pidFile(name), 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 ? { pid, stopSignal: (signal as NodeJS.Signals | undefined) ?? 'SIGTERM' } : undefined;
}

export function readPid(name: string): number | undefined {
  return readPidFile(name)?.pid;
}

export type ProcessState = { state: 'running'; pid: number } | { state: 'dead'; pid: number } | { state: 'absent' };

export function processState(name: string): ProcessState {
  const pid = readPid(name);
  if (pid === undefined) return { state: 'absent' };
  return isAlive(pid) ? { state: 'running', pid } : { state: 'dead', pid };
}

export function startDetached(spec: ProcessSpec): number {
  mkdirSync(stackDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const out = openSync(logFile(spec.name), 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true, // own process group: Ctrl-C on the caller does not take the stack down with it
    stdio: ['ignore', out, out],
    ...spec.user,
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
  child.unref();
  writeFileSync(pidFile(spec.name), spec.stopSignal ? `${child.pid} ${spec.stopSignal}` : String(child.pid));
  return child.pid;
}

export function tailLog(name: string, lines = 15): string {
  if (!existsSync(logFile(name))) return '(no log)';
  return readFileSync(logFile(name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Its stop signal (SIGTERM unless the spec said otherwise), then SIGKILL after the grace period. Resolves once the process is gone. */
export async function stopProcess(name: string, graceMs = 15_000): Promise<'stopped' | 'killed' | 'not-running'> {
  const entry = readPidFile(name);
  rmSync(pidFile(name), { force: true });
  if (entry === undefined || !isAlive(entry.pid)) return 'not-running';
  const { pid } = entry;
  signalGroup(pid, entry.stopSignal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

export function forgetProcess(name: string): void {
  rmSync(pidFile(name), { force: true });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the whole group, so a wrapper's children go too
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls `check` until it resolves true; fails early if the process died, with the end of its log. */
export async function waitUntilReady(
  name: string,
  pid: number,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; onWait?: (elapsedMs: number) => void },
): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (!isAlive(pid)) throw new Error(`${name} exited during start-up. Last lines of ${logFile(name)}:\n${tailLog(name)}`);
    if (await check().catch(() => false)) return;
    const elapsed = Date.now() - started;
    if (elapsed > opts.timeoutMs) {
      throw new Error(`${name} not ready after ${Math.round(elapsed / 1000)} s. Last lines of ${logFile(name)}:\n${tailLog(name)}`);
    }
    opts.onWait?.(elapsed);
    await sleep(250);
  }
}

// Real OS processes (sh, sleep): the stack's bookkeeping must notice a dead component and show why.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { isAlive, logFile, processState, sleep, startDetached, stopProcess, tailLog, waitUntilReady } from './managed-process';

const names: string[] = [];
const uniqueName = (label: string): string => {
  const name = `test-${label}-${randomUUID().slice(0, 8)}`;
  names.push(name);
  return name;
};

afterAll(() => names.forEach((name) => rmSync(logFile(name), { force: true })));

describe('managed processes', () => {
  it('counts a zombie (exited, not yet reaped by its parent) as dead, as npm test\'s runner leaves them while Jest runs', async () => {
    // the shell starts a short sleep, then becomes a long one that never reaps it: the short one turns zombie
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))));
    await sleep(500);
    expect(() => process.kill(pid, 0)).not.toThrow(); // the kernel still holds it: signal 0 alone says alive
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(process.pid)).toBe(true);
    parent.kill('SIGKILL');
  });

  it('starts a detached process, sees it running, and stops it with SIGTERM', async () => {
    const name = uniqueName('sleeper');
    const pid = startDetached({ name, command: 'sleep', args: ['30'] });
    expect(processState(name)).toEqual({ state: 'running', pid });
    await expect(stopProcess(name, 5_000)).resolves.toBe('stopped');
    expect(processState(name)).toEqual({ state: 'absent' });
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const name = uniqueName('stubborn');
    startDetached({ name, command: 'sh', args: ['-c', 'trap "" TERM; echo started; while :; do sleep 0.1; done'] });
    await sleep(300);
    await expect(stopProcess(name, 500)).resolves.toBe('killed');
  });

  it('reports a process that died, with the end of its log', async () => {
    const name = uniqueName('crasher');
    const pid = startDetached({ name, command: 'sh', args: ['-c', 'echo "fatal: port in use"; exit 3'] });
    const deadline = Date.now() + 5_000;
    while (processState(name).state !== 'dead' && Date.now() < deadline) await sleep(50);
    expect(processState(name)).toEqual({ state: 'dead', pid });
    expect(tailLog(name)).toContain('fatal: port in use');
    await stopProcess(name);
  });

  it('fails start-up early, quoting the log, when the process exits before it is ready', async () => {
    const name = uniqueName('early-exit');
    const pid = startDetached({ name, command: 'sh', args: ['-c', 'echo "java: not found"; exit 127'] });
    await expect(waitUntilReady(name, pid, async () => false, { timeoutMs: 10_000 })).rejects.toThrow(/exited during start-up[\s\S]*java: not found/);
    await stopProcess(name);
  });

  it('gives up after the timeout when the process never becomes ready', async () => {
    const name = uniqueName('never-ready');
    const pid = startDetached({ name, command: 'sleep', args: ['30'] });
    await expect(waitUntilReady(name, pid, async () => false, { timeoutMs: 300 })).rejects.toThrow(/not ready after/);
    await stopProcess(name);
  });
});

// CPU time of processes from /proc, for benchmarks that report CPU per unit of work (Linux only).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The unit of /proc/<pid>/stat's times (USER_HZ): `getconf CLK_TCK`, 100 where getconf is missing. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The fields after the command name in /proc/<pid>/stat (field 3 onwards), or undefined once it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in seconds. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS : 0;
}

/**
 * utime + stime of a process and its live children (a PostgreSQL postmaster and its backends, which
 * each lead a process group of their own), plus what its reaped children used (cutime + cstime), in seconds.
 */
export function treeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN; // a database the stack did not start (DATABASE_URL given): not measured
  const own = statFields(pid);
  let total = own ? Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]) : 0;
  for (const child of childrenOf(pid)) total += cpuSeconds(child) * CLOCK_TICKS;
  return total / CLOCK_TICKS;
}

/** What a Node process's threads are called in /proc (their `comm`), grouped as the cost tables show them. */
const threadGroup = (comm: string): string => {
  if (comm === 'MainThread' || comm === 'node') return 'main thread';
  if (comm.startsWith('V8Worker') || comm === 'DelayedTaskSche') return 'V8 helpers (GC, compiler)';
  if (comm.startsWith('libuv-worker')) return 'libuv pool';
  return comm; // a worker thread's own name (e.g. kafka-producer)
};

/** utime + stime of a process's live threads, in seconds, summed per thread group (see threadGroup). */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byGroup = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byGroup; // gone
  }
  for (const tid of tids) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const group = threadGroup(comm);
      byGroup.set(group, (byGroup.get(group) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byGroup;
}

/** The live processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(statFields(Number(entry))?.[1]) === pid)
    .map(Number);
}

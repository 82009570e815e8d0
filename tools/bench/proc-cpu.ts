// CPU time of processes from /proc, for benchmarks that report CPU per unit of work (Linux only).
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

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
export function treeCpuSeconds(pid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    if (Number(entry) === pid) total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    else if (Number(fields[1]) === pid) total += Number(fields[11]) + Number(fields[12]);
  }
  return total / CLOCK_TICKS;
}

// CPU per unit of work: each process's utime + stime (proc-cpu) over a measured window only, divided by
// what the window got done (a durable message, a fix, a delivered frame). Latency on 2 shared cores is
// noise when another run shares them; CPU time per unit of work is not, so every bench prints these and
// appends them to docs/performance.md, "Cost per unit of work (history)", one row per run.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readPid } from '../stack/managed-process';
import { repoRoot } from '../stack/stack.config';
import { cpuSeconds, threadCpuSeconds, treeCpuSeconds } from './proc-cpu';

export interface Measured {
  label: string;
  /** undefined: not measured (a component given by URL, not started by the stack). */
  pid: number | undefined;
  /** With its children (PostgreSQL's backends). Never for the bench itself: its children are the apps under test. */
  tree?: boolean;
  /** Also split by thread (main, a worker thread such as kafka-producer, V8's GC helpers): where a Node app's CPU goes. */
  threads?: boolean;
}

export interface Units {
  count: number;
  /** Singular, short: "msg", "fix", "frame", "delivery". */
  name: string;
}

export interface CostRow {
  label: string;
  cpuMs: number;
  units: Units;
  /** Per thread group, when the process was measured with `threads` (threads that ended in the window are missing). */
  threads?: { label: string; cpuMs: number }[];
}

export interface Cost {
  title: string;
  wallMs: number;
  rows: CostRow[];
}

/**
 * Kafka, Redis and the database the stack runs (their pid files under .data/stack), each with its
 * children; `database` when the bench runs its own (the projector bench's embedded engine).
 */
export function stackProcesses(database: Measured = stackDatabase()): Measured[] {
  return [{ label: 'Kafka', pid: readPid('kafka'), tree: true }, { label: 'Redis', pid: readPid('redis'), tree: true }, database];
}

/** The stack's database server, whichever engine runs. */
export function stackDatabase(): Measured {
  const name = ['postgres', 'embedded-db'].find((n) => readPid(n) !== undefined) ?? 'postgres';
  return { label: `database (${name})`, pid: readPid(name), tree: true };
}

/** The bench process itself (load generator, producer, sockets: it shares the cores with what it measures). */
export const driver = (label = 'bench (load driver)'): Measured => ({ label, pid: process.pid });

const cpuOf = (p: Measured): number => (p.pid === undefined ? Number.NaN : p.tree ? treeCpuSeconds(p.pid) : cpuSeconds(p.pid));

/**
 * Opens a window now: `stop` closes it and divides each process's CPU by `units` (or by `per[label]`,
 * for a process whose natural unit differs: ingest per fix where the window counts frames).
 */
export function openCostWindow(title: string, processes: Measured[]): { stop(units: Units, per?: Record<string, Units>): Cost } {
  const started = performance.now();
  const threadsOf = (p: Measured) => (p.threads && p.pid !== undefined ? threadCpuSeconds(p.pid) : undefined);
  const before = processes.map(cpuOf);
  const threadsBefore = processes.map(threadsOf);
  return {
    stop(units, per = {}) {
      const wallMs = performance.now() - started;
      const rows = processes.map((p, i): CostRow => {
        const row: CostRow = { label: p.label, cpuMs: (cpuOf(p) - before[i]!) * 1000, units: per[p.label] ?? units };
        const after = threadsOf(p);
        if (after) row.threads = [...after].map(([label, seconds]) => ({ label, cpuMs: (seconds - (threadsBefore[i]?.get(label) ?? 0)) * 1000 })).sort((a, b) => b.cpuMs - a.cpuMs);
        return row;
      });
      return { title, wallMs, rows };
    },
  };
}

const microsPer = (row: CostRow): number => (row.cpuMs * 1000) / row.units.count;
const fixed = (n: number, digits: number, width: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '—').padStart(width);

/** The window's table: process, CPU ms, units, µs per unit, cores it kept busy, share of the machine over the window. */
export function printCost(cost: Cost): void {
  const cores = availableParallelism();
  const capacityMs = cost.wallMs * cores;
  console.log(`\n  CPU per unit of work — ${cost.title} (${(cost.wallMs / 1000).toFixed(1)} s window, ${cores} cores)`);
  console.log(`  ${'process'.padEnd(30)} ${'CPU ms'.padStart(9)} ${'units'.padStart(16)} ${'µs/unit'.padStart(9)} ${'cores'.padStart(6)} ${'of window'.padStart(9)}`);
  for (const row of cost.rows) {
    const units = `${row.units.count.toLocaleString('en')} ${row.units.name}`;
    console.log(
      `  ${row.label.padEnd(30)} ${fixed(row.cpuMs, 0, 9)} ${units.padStart(16)} ${fixed(microsPer(row), 1, 9)} ${fixed(row.cpuMs / cost.wallMs, 2, 6)} ${fixed((row.cpuMs / capacityMs) * 100, 1, 7)} %`,
    );
    for (const thread of row.threads ?? []) {
      if (thread.cpuMs <= 0) continue;
      const part = { ...row, cpuMs: thread.cpuMs };
      console.log(`    ${`└ ${thread.label}`.padEnd(28)} ${fixed(thread.cpuMs, 0, 9)} ${''.padStart(16)} ${fixed(microsPer(part), 1, 9)} ${fixed(thread.cpuMs / cost.wallMs, 2, 6)}`);
    }
  }
  const measured = cost.rows.reduce((sum, r) => sum + (Number.isFinite(r.cpuMs) ? r.cpuMs : 0), 0);
  console.log(`  ${'all of the above'.padEnd(30)} ${fixed(measured, 0, 9)} ${''.padStart(16)} ${''.padStart(9)} ${fixed(measured / cost.wallMs, 2, 6)} ${fixed((measured / capacityMs) * 100, 1, 7)} %`);
}

const HISTORY_HEADING = '## Cost per unit of work (history)';
const HISTORY_INTRO = [
  HISTORY_HEADING,
  '',
  'Appended by `npm run bench:ingest`, `bench:projector` and `bench:realtime` at the end of each run',
  '(`tools/bench/cost-per-unit.ts`): µs of CPU per unit of work of each process, from `/proc/<pid>/stat`',
  '(utime + stime) over the measured window only; Kafka, Redis and the database counted with their',
  'children. Units: ingest and the bare broker per acked QoS 1 message (ingest\'s are durable: Kafka acks=all',
  'first); the projector per fix (`history` and `positions` together: one process; its drain reads the whole',
  'telemetry topic), the rebuild per event; realtime\'s gateway and driver per delivered frame, ingest, the',
  'projector, Kafka, Redis and the database per fix; a fan-out per delivery (Centrifugo\'s too). Latency on',
  'these 2 shared cores moves with whatever else runs; CPU per unit much less so. A process measured by',
  'thread shows its split in parentheses (main thread, worker threads by name, V8\'s GC and compiler helpers).',
  '',
  '| when (UTC) | commit | command | µs of CPU per unit, per process (window: units, seconds) |',
  '|---|---|---|---|',
];

const gitHead = (): string => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};

/** A process's split by thread, in the history: ` (main thread 70.1, kafka-producer 25.3, …)`. */
const threadsCell = (row: CostRow): string => {
  const parts = (row.threads ?? []).filter((t) => t.cpuMs > 0).map((t) => `${t.label} ${microsPer({ ...row, cpuMs: t.cpuMs }).toFixed(1)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
};

/** One cell: each window, its processes' µs per unit (processes with their own unit say it). */
function historyCell(costs: Cost[]): string {
  return costs
    .map((cost) => {
      const main = cost.rows[0]!.units;
      const rows = cost.rows
        .filter((r) => Number.isFinite(r.cpuMs))
        .map((r) => `${r.label} ${microsPer(r).toFixed(1)}${r.units.name === main.name ? '' : `/${r.units.name}`}${threadsCell(r)}`);
      return `**${cost.title}** (${main.count.toLocaleString('en')} ${main.name}, ${(cost.wallMs / 1000).toFixed(1)} s): ${rows.join(' · ')} µs/${main.name}`;
    })
    .join('<br>');
}

/**
 * Appends this run's row to the history table in docs/performance.md (creating the section at the end
 * the first time). `script` is the npm script; the command is rebuilt from this process's arguments.
 */
export function recordCostHistory(script: string, costs: Cost[]): void {
  const file = join(repoRoot, 'docs', 'performance.md');
  const args = process.argv.slice(2).join(' ');
  const nodeArgs = process.env.BENCH_NODE_ARGS ? `BENCH_NODE_ARGS='${process.env.BENCH_NODE_ARGS}' ` : '';
  const command = `${nodeArgs}npm run ${script}${args ? ` -- ${args}` : ''}`;
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const row = `| ${when} | ${gitHead()} | \`${command}\` | ${historyCell(costs).replaceAll('|', '\\|')} |`;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  let at = lines.indexOf(HISTORY_HEADING);
  if (at < 0) {
    lines.push('', ...HISTORY_INTRO);
    at = lines.indexOf(HISTORY_HEADING);
  }
  // After the last row of the first table below the heading.
  let table = lines.findIndex((l, i) => i > at && l.startsWith('|'));
  while (lines[table + 1]?.startsWith('|')) table++;
  lines.splice(table + 1, 0, row);
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`  (this run's CPU per unit appended to docs/performance.md, "${HISTORY_HEADING.slice(3)}")`);
}

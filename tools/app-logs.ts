// The apps' log lines as `npm run up` shows them on the console and `npm run logs` prints them: pino
// JSON in, one readable line out; and the collapsing of a warning an app repeats. No I/O and no clock
// of its own (the time comes in), so tools/app-logs.unit.spec.ts covers it.

/** The five apps `npm run up` starts, on these ports; each logs to .data/logs/<name>.log. */
export const apps = [
  { name: 'api', port: 3000 },
  { name: 'ingest', port: 3001 },
  { name: 'projector', port: 3002 },
  { name: 'realtime', port: 3003 },
  { name: 'media', port: 3004 },
] as const;

/** Whose logs `npm run logs` follows: the apps and the demo's simulator. */
export const loggedProcesses = [...apps.map((a) => a.name), 'simulator'];

/** pino's levels (numbers in the JSON). */
export const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export interface LogRecord {
  level: number;
  /** As the app wrote it (pino's ISO time), when it did. */
  time?: string;
  msg: string;
  /** Everything else but the fields on every line (app, pid, hostname). */
  fields: Record<string, unknown>;
}

/** One pino JSON line, or undefined for anything else (a crash's stack trace, a child's plain output). */
export function parseLogLine(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { level, time, msg, app: _app, pid: _pid, hostname: _hostname, ...fields } = value as Record<string, unknown>;
  const number = typeof level === 'number' ? level : levels[level as keyof typeof levels];
  if (number === undefined) return undefined;
  return {
    level: number,
    time: typeof time === 'string' ? time : typeof time === 'number' ? new Date(time).toISOString() : undefined,
    msg: typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg),
    fields,
  };
}

export function levelName(level: number): string {
  const known = Object.entries(levels).find(([, n]) => n === level);
  return (known ? known[0] : `L${level}`).toUpperCase();
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** pino's serialized Error: { type, message, stack }. */
function isSerializedError(value: unknown): value is { message: string; stack?: string } {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

export interface FormatOptions {
  /** Starts the line with the time of day (UTC, as in the file). */
  time?: boolean;
  /** Adds an error's stack on the lines below (npm run logs); the console keeps to one line. */
  stack?: boolean;
  /** Keeps trace_id and span_id (npm run logs: to find the trace); the console leaves them out. */
  traceIds?: boolean;
}

/**
 * `WARN  [context] msg key=value …`: an error field shows its message, a stack (an error's, or Nest's
 * `stack` field) only with `stack`, on the lines below.
 */
export function formatRecord(record: LogRecord, options: FormatOptions = {}): string {
  const { context, stack, trace_id, span_id, ...fields } = record.fields;
  const rest = {
    ...(fields.logger === 'kafkajs' ? withoutKafkajsEcho(fields) : fields),
    ...(options.traceIds && trace_id !== undefined ? { trace_id, span_id } : {}),
  };
  const stacks = typeof stack === 'string' ? [stack] : [];
  const pairs = Object.entries(context === undefined || typeof context === 'string' ? rest : { context, ...rest }).map(([key, value]) => {
    if (!isSerializedError(value)) return `${key}=${fieldValue(value)}`;
    if (value.stack) stacks.push(value.stack);
    return `${key}=${fieldValue(value.message)}`;
  });
  const line = [
    options.time && record.time ? record.time.slice(11, 23) : '',
    levelName(record.level).padEnd(5),
    typeof context === 'string' ? `[${context}]` : '',
    shortMessage(record),
    ...pairs,
  ]
    .filter(Boolean)
    .join(' ');
  return options.stack && stacks.length > 0 ? `${line}\n${stacks.map((s) => s.replace(/^/gm, '    ')).join('\n')}` : line;
}

/** What `npm run up` shows of a line an app wrote; `key` says which lines are the same (for collapsing). */
export interface ConsoleLine {
  text: string;
  /** Absent for plain text: a crash's stack has lines alike across crashes, and none is to be dropped. */
  key?: string;
}

/**
 * The console's view of one line: a warning or worse as one readable line; nothing for info and below,
 * nor for plain text on stdout. Plain text on stderr (a crash's stack, Node's own warnings) is shown as is.
 * `hideHealthFailures`: while `npm run up` itself asks /health/ready, the app's "Health Check has failed!"
 * is the answer to that question (the summary says why), not news.
 */
export function consoleLine(line: string, stream: 'stdout' | 'stderr', options: { hideHealthFailures?: boolean } = {}): ConsoleLine | undefined {
  if (line.trim() === '') return undefined;
  const record = parseLogLine(line);
  if (!record) return stream === 'stderr' ? { text: line } : undefined;
  if (record.level < levels.warn) return undefined;
  if (options.hideHealthFailures && isHealthCheckFailure(record)) return undefined;
  return { key: `${record.level} ${shortMessage(record)}`, text: formatRecord(record) };
}

const healthFailed = 'Health Check has failed!';

/** @nestjs/terminus logs this at error level on every /health/ready that is not ready. */
export function isHealthCheckFailure(record: LogRecord): boolean {
  return record.msg.startsWith(healthFailed);
}

/**
 * The message, but terminus's failed check as the checks that are down and why: its JSON of every
 * check also holds response times, which differ each time (no two would be "the same warning").
 */
export function shortMessage(record: LogRecord): string {
  if (!isHealthCheckFailure(record)) return record.msg;
  try {
    const details = JSON.parse(record.msg.slice(healthFailed.length)) as Record<string, { status?: string; reason?: string; message?: string }>;
    const down = Object.entries(details)
      .filter(([, check]) => check?.status !== 'up')
      .map(([name, check]) => `${name}: ${check?.reason ?? check?.message ?? check?.status ?? 'down'}`);
    return `${healthFailed} ${down.join('; ')}`;
  } catch {
    return record.msg;
  }
}

/** kafkajs repeats the time (`timestamp`) and its own name (`logger`) on every entry; the context says it already. */
function withoutKafkajsEcho(fields: Record<string, unknown>): Record<string, unknown> {
  const { timestamp: _timestamp, logger: _logger, ...rest } = fields;
  return rest;
}

/**
 * The first of a kind is shown, the same ones after it are counted; once a minute after the first,
 * each kind repeated in that minute gets one "(repeated N times in the last minute)" line, and a kind
 * quiet for a whole minute is forgotten (its next occurrence is shown again). Time is passed in.
 */
export class RepeatCollapser<T> {
  private readonly seen = new Map<string, { since: number; count: number; about: T }>();

  constructor(private readonly windowMs = 60_000) {}

  /** True when the line is to be shown; false when it is a repeat (counted). */
  offer(key: string, about: T, now: number): boolean {
    const entry = this.seen.get(key);
    if (entry) {
      entry.count++;
      return false;
    }
    this.seen.set(key, { since: now, count: 0, about });
    return true;
  }

  /** The kinds whose minute is over and that repeated in it, with how often; call it every few seconds. */
  due(now: number): { about: T; count: number }[] {
    const repeated: { about: T; count: number }[] = [];
    for (const [key, entry] of this.seen) {
      if (now - entry.since < this.windowMs) continue;
      if (entry.count === 0) {
        this.seen.delete(key);
        continue;
      }
      repeated.push({ about: entry.about, count: entry.count });
      entry.since = now;
      entry.count = 0;
    }
    return repeated;
  }
}

/** The line that stands for a collapsed kind's repeats, with the start of its text to say which. */
export function repeatedLine(text: string, count: number): string {
  const short = text.length > 80 ? `${text.slice(0, 79)}…` : text;
  return `(repeated ${count} time${count === 1 ? '' : 's'} in the last minute: ${short})`;
}

/** `npm run logs -- <name>`: the name when it is one we log, else the error that lists the valid ones. */
export function checkLogName(name: string | undefined): { name: string } | { error: string } {
  const valid = loggedProcesses.join(', ');
  if (!name) return { error: `which app? npm run logs -- <app> [--raw] [--lines N], <app> one of: ${valid}` };
  return loggedProcesses.includes(name) ? { name } : { error: `no app "${name}"; the apps are: ${valid}` };
}

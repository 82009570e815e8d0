// npm run logs -- <app> [--raw] [--lines N]: follows one app's .data/logs/<app>.log, which `npm run up`
// writes, like `tail -f`: the last N lines (20), then each new one as it comes. JSON lines are printed
// as time (UTC), level, [context], msg and the other fields, an error's stack below; --raw prints them
// as written. A new `npm run up` starts the file afresh: the follow goes on in the new one.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { checkLogName, formatRecord, levels, parseLogLine } from './app-logs';
import { logFile, sleep } from './stack/managed-process';
import { repoRoot } from './stack/stack.config';

const tty = Boolean(process.stdout.isTTY);

function usageError(message: string): never {
  console.error(`npm run logs: ${message}`);
  process.exit(2);
}

function options(): { name: string; raw: boolean; lines: number } {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { raw: { type: 'boolean', default: false }, lines: { type: 'string', short: 'n', default: '20' } } });
  } catch (error) {
    usageError((error as Error).message);
  }
  const checked = checkLogName(parsed.positionals[0]);
  if ('error' in checked) usageError(checked.error);
  if (parsed.positionals.length > 1) usageError(`one app at a time (got ${parsed.positionals.join(', ')})`);
  const lines = Number(parsed.values.lines);
  if (!Number.isInteger(lines) || lines < 0) usageError(`--lines wants a whole number, not "${parsed.values.lines}"`);
  return { name: checked.name, raw: parsed.values.raw, lines };
}

function colour(level: number, text: string): string {
  if (!tty) return text;
  const code = level >= levels.error ? 31 : level >= levels.warn ? 33 : level <= levels.debug ? 2 : 0;
  return code ? `\x1b[${code}m${text}\x1b[0m` : text;
}

function show(line: string, raw: boolean): void {
  const record = raw ? undefined : parseLogLine(line);
  console.log(record ? colour(record.level, formatRecord(record, { time: true, stack: true, traceIds: true })) : line);
}

/** The whole lines between two offsets of the file, and where the first unfinished one starts. */
function readLines(file: string, from: number, to: number): { lines: string[]; end: number } {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const bytes = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, from));
    const complete = bytes.lastIndexOf(0x0a) + 1; // a line still being written waits for its newline
    return { lines: bytes.subarray(0, complete).toString('utf8').split('\n').slice(0, -1), end: from + complete };
  } finally {
    closeSync(fd);
  }
}

async function follow(name: string, raw: boolean, last: number): Promise<void> {
  const file = logFile(name);
  const shown = relative(repoRoot, file);
  if (!existsSync(file)) console.error(`(waiting for ${shown}: npm run up writes it)`);
  while (!existsSync(file)) await sleep(500);

  // the last lines, from the last 1 MB at most (its first line, likely cut, is dropped)
  const { ino: firstIno, size } = statSync(file);
  let ino = firstIno;
  const from = Math.max(0, size - 1024 * 1024);
  const tail = readLines(file, from, size);
  const whole = tail.lines.slice(from > 0 ? 1 : 0);
  for (const line of last === 0 ? [] : whole.slice(-last)) show(line, raw);

  let position = tail.end;
  for (;;) {
    await sleep(250);
    const now = existsSync(file) ? statSync(file) : undefined;
    if (!now) continue; // between the rename and the new file
    if (now.ino !== ino || now.size < position) {
      console.error(`(${shown} begun afresh: npm run up started again)`);
      ino = now.ino;
      position = 0;
    }
    if (now.size === position) continue;
    const fresh = readLines(file, position, now.size);
    position = fresh.end;
    for (const line of fresh.lines) show(line, raw);
  }
}

const { name, raw, lines } = options();
follow(name, raw, lines).catch((error: Error) => {
  console.error(`npm run logs: ${error.message}`);
  process.exit(1);
});

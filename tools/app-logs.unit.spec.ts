import { checkLogName, consoleLine, formatRecord, parseLogLine, RepeatCollapser, repeatedLine } from './app-logs';

const pino = (fields: Record<string, unknown>): string =>
  JSON.stringify({ level: 30, time: '2026-03-01T09:15:02.123Z', pid: 4242, hostname: 'box', app: 'media', msg: 'hello', ...fields });

describe('parseLogLine', () => {
  it('reads a pino line without the fields every line has', () => {
    expect(parseLogLine(pino({ level: 40, context: 'media', workers: 2 }))).toEqual({
      level: 40,
      time: '2026-03-01T09:15:02.123Z',
      msg: 'hello',
      fields: { context: 'media', workers: 2 },
    });
  });

  it('takes level names too, and leaves plain text and other JSON alone', () => {
    expect(parseLogLine(pino({ level: 'warn' }))?.level).toBe(40);
    expect(parseLogLine('    at Object.<anonymous> (main.js:1:1)')).toBeUndefined();
    expect(parseLogLine('{"not":"a log line"}')).toBeUndefined();
    expect(parseLogLine('{broken')).toBeUndefined();
  });
});

describe('formatRecord', () => {
  it('is one line: level, [context], msg, the other fields; strings with spaces quoted', () => {
    const record = parseLogLine(pino({ level: 50, context: 'kafkajs:Connection', broker: '127.0.0.1:19092', error: 'The coordinator is loading' }))!;
    expect(formatRecord(record)).toBe('ERROR [kafkajs:Connection] hello broker=127.0.0.1:19092 error="The coordinator is loading"');
  });

  it('shows an error by its message; its stack only when asked, below the line', () => {
    const record = parseLogLine(pino({ level: 50, err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x.js:1' } }))!;
    expect(formatRecord(record)).toBe('ERROR hello err=boom');
    expect(formatRecord(record, { time: true, stack: true })).toBe('09:15:02.123 ERROR hello err=boom\n    Error: boom\n        at x.js:1');
  });

  it("keeps Nest's stack field off the one-line form", () => {
    const record = parseLogLine(pino({ level: 50, context: 'ExceptionsHandler', stack: 'Error: x\n    at y' }))!;
    expect(formatRecord(record)).toBe('ERROR [ExceptionsHandler] hello');
  });

  it('leaves the trace ids to npm run logs', () => {
    const record = parseLogLine(pino({ level: 40, trace_id: 't1', span_id: 's1', n: 1 }))!;
    expect(formatRecord(record)).toBe('WARN  hello n=1');
    expect(formatRecord(record, { traceIds: true })).toBe('WARN  hello n=1 trace_id=t1 span_id=s1');
  });
});

describe('consoleLine', () => {
  it('shows warnings and errors, not info or debug', () => {
    expect(consoleLine(pino({ level: 30 }), 'stdout')).toBeUndefined();
    expect(consoleLine(pino({ level: 20 }), 'stdout')).toBeUndefined();
    expect(consoleLine(pino({ level: 40, msg: 'no mediasoup worker' }), 'stdout')).toEqual({ key: '40 no mediasoup worker', text: 'WARN  no mediasoup worker' });
    expect(consoleLine(pino({ level: 60 }), 'stdout')?.text).toBe('FATAL hello');
  });

  it('shows plain text on stderr as is (never collapsed), not on stdout', () => {
    expect(consoleLine('TypeError: x is not a function', 'stderr')).toEqual({ text: 'TypeError: x is not a function' });
    expect(consoleLine('simulate: 3 devices → mqtt://127.0.0.1:1883', 'stdout')).toBeUndefined();
    expect(consoleLine('', 'stderr')).toBeUndefined();
  });

  it("hides terminus's failed health check only while asked to", () => {
    const failed = pino({ level: 50, msg: 'Health Check has failed! {"mediasoup":{"status":"down"}}' });
    expect(consoleLine(failed, 'stdout', { hideHealthFailures: true })).toBeUndefined();
    expect(consoleLine(failed, 'stdout')?.text).toContain('Health Check has failed!');
  });
});

describe('RepeatCollapser', () => {
  const minute = 60_000;

  it('shows the first, counts the rest, and reports them once a minute', () => {
    const repeats = new RepeatCollapser<string>();
    expect(repeats.offer('media boom', 'boom', 0)).toBe(true);
    expect(repeats.offer('media boom', 'boom', 1_000)).toBe(false);
    expect(repeats.offer('media boom', 'boom', 2_000)).toBe(false);
    expect(repeats.due(59_000)).toEqual([]);
    expect(repeats.due(minute)).toEqual([{ about: 'boom', count: 2 }]);
    expect(repeats.due(minute + 5_000)).toEqual([]); // at most one line a minute
    expect(repeats.offer('media boom', 'boom', minute + 10_000)).toBe(false);
    expect(repeats.due(2 * minute)).toEqual([{ about: 'boom', count: 1 }]);
  });

  it('forgets a kind quiet for a minute: its next one is shown again', () => {
    const repeats = new RepeatCollapser<string>();
    repeats.offer('k', 'x', 0);
    expect(repeats.due(minute)).toEqual([]);
    expect(repeats.offer('k', 'x', minute + 1)).toBe(true);
  });

  it('keeps kinds apart', () => {
    const repeats = new RepeatCollapser<string>();
    expect(repeats.offer('api boom', 'a', 0)).toBe(true);
    expect(repeats.offer('media boom', 'm', 0)).toBe(true);
    repeats.offer('media boom', 'm', 1);
    expect(repeats.due(minute)).toEqual([{ about: 'm', count: 1 }]);
  });
});

describe('repeatedLine', () => {
  it('names the count and the start of the text', () => {
    expect(repeatedLine('WARN  slow', 1)).toBe('(repeated 1 time in the last minute: WARN  slow)');
    expect(repeatedLine('x'.repeat(100), 7)).toBe(`(repeated 7 times in the last minute: ${'x'.repeat(79)}…)`);
  });
});

describe('checkLogName', () => {
  it('takes an app or the simulator, and names the valid ones otherwise', () => {
    expect(checkLogName('media')).toEqual({ name: 'media' });
    expect(checkLogName('simulator')).toEqual({ name: 'simulator' });
    expect(checkLogName('medai')).toEqual({ error: 'no app "medai"; the apps are: api, ingest, projector, realtime, media, simulator' });
    expect(checkLogName(undefined)).toEqual({ error: expect.stringContaining('one of: api, ingest') });
  });
});

describe('a failed health check', () => {
  const failed = (ms: number): string =>
    pino({ level: 50, msg: `Health Check has failed! {"kafka":{"status":"up","responseTime":${ms}},"mediasoup":{"status":"down","reason":"no worker"}}` });

  it('is shown as the checks that are down, and the same whatever the response times', () => {
    expect(consoleLine(failed(8), 'stdout')).toEqual({ key: '50 Health Check has failed! mediasoup: no worker', text: 'ERROR Health Check has failed! mediasoup: no worker' });
    expect(consoleLine(failed(3), 'stdout')?.key).toBe(consoleLine(failed(8), 'stdout')?.key);
  });
});

describe("kafkajs's entries", () => {
  it('lose the time and logger name kafkajs repeats in each', () => {
    const record = parseLogLine(pino({ level: 40, context: 'kafkajs:Runner', timestamp: '2026-03-01T09:15:02.120Z', logger: 'kafkajs', groupId: 'g' }))!;
    expect(formatRecord(record)).toBe('WARN  [kafkajs:Runner] hello groupId=g');
  });
});

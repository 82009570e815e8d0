import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { feedFields, liveKeys } from '#libs/live';
import { CloseCodes } from '#libs/realtime-client';
import type { AppProcess } from '../../../test/support/app-process';
import { tryParse } from '../../../test/support/app-process';
import { uniqueTenant } from '../../../test/support/events';
import { SeededRandom } from '../../../test/support/seeded-random';
import { Recorder, startGateway, token, wsUrl } from '../../../test/support/realtime';

// The WebSocket edge under hostile frames, against a real realtime process: random frames from a seeded
// PRNG (the seed is printed; FUZZ_SEED replays it), oversized, deeply nested, binary, invalid UTF-8 and
// broken at the wire, unknown events, wrong types for known ones, frames without a valid token and
// after one. Each must be answered with an error frame carrying a code, or a close with a code; and
// afterwards the process is alive, a normal client on another socket still gets its feed, memory
// stayed bounded.

/** The gateway's `maxPayload` (realtime.gateway.ts): the largest legitimate frame is ~25 KB (a chat text). */
const MAX_FRAME_BYTES = 64 * 1024;
/** How much RSS (after a GC) may grow over the whole lane. */
const RSS_GROWTH_BOUND = 64 * 1024 * 1024;
const RANDOM_CASES = 400;
const WORKERS = 4;

const rng = SeededRandom.fromEnv();
const tenantId = uniqueTenant('wsfuzz');
const dispatcher = { tenantId, userId: 'u-fuzz', role: 'dispatcher' };
let app: AppProcess;
let redis: Redis;
let observer: Recorder;

type Answer = { kind: 'error'; code: string } | { kind: 'frame'; event: string } | { kind: 'close'; code: number } | { kind: 'silent' };

/** One socket that answers one frame at a time: the next message, or the close. */
class Probe {
  readonly socket: WebSocket;
  private readonly inbox: Answer[] = [];
  private wake?: () => void;
  closed?: number;
  readonly opened: Promise<void>;

  constructor(url: string) {
    const socket = (this.socket = new WebSocket(url));
    socket.on('message', (raw) => this.push(answerOf(raw.toString())));
    socket.on('close', (code) => {
      this.closed = code;
      this.push({ kind: 'close', code });
    });
    socket.on('error', () => undefined); // the close follows and is what the case checks
    this.opened = new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  private push(answer: Answer): void {
    this.inbox.push(answer);
    this.wake?.();
  }

  async next(timeoutMs: number): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'silent' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.inbox.shift()!;
  }

  /** Sends a frame and waits for what it caused; when nothing came, a sentinel proves the socket still answers. */
  async ask(frame: string | Buffer, binary = false, allowSilent = false): Promise<Answer> {
    this.socket.send(frame, { binary });
    const answer = await this.next(allowSilent ? 1_000 : 5_000);
    if (answer.kind !== 'silent') return answer;
    this.socket.send(JSON.stringify({ event: 'fuzz.sentinel' }));
    const sentinel = await this.next(5_000);
    if (sentinel.kind === 'error' && sentinel.code === 'UNKNOWN_EVENT') return { kind: 'silent' };
    throw new Error(`no answer to a frame, and none to the sentinel either (${JSON.stringify(sentinel)})`);
  }

  close(): void {
    this.socket.terminate();
  }
}

function answerOf(text: string): Answer {
  const frame = tryParse(text) as { event?: string; data?: { code?: unknown } } | undefined;
  if (frame?.event === 'error') return { kind: 'error', code: typeof frame.data?.code === 'string' ? frame.data.code : '(no code)' };
  return { kind: 'frame', event: String(frame?.event) };
}

const authed = () => `${wsUrl(app)}?access_token=${token(dispatcher)}`;

async function probe(url = authed()): Promise<Probe> {
  const p = new Probe(url);
  await p.opened;
  return p;
}

// ---- the cases -----------------------------------------------------------------------------------

interface Case {
  name: string;
  frame: string | Buffer;
  binary?: boolean;
  /** What answers are acceptable. */
  expect: (a: Answer) => boolean;
  allowSilent?: boolean;
}

const isError = (a: Answer) => a.kind === 'error' && a.code !== 'INTERNAL' && a.code !== '(no code)';
const isClose = (...codes: number[]) => (a: Answer) => a.kind === 'close' && codes.includes(a.code);
const errorOrClose = (a: Answer) => isError(a) || (a.kind === 'close' && a.code >= 1000);

const TEMPLATES: Record<string, Record<string, unknown>> = {
  subscribe: { streams: ['jobs'] },
  viewport: { viewport: { west: 13, south: 52, east: 14, north: 53 } },
  auth: { token: 'x'.repeat(40) },
  presence: { state: 'active' },
  'chat.send': { jobId: 'job-1', text: 'hello', clientMessageId: 'c-1' },
  'chat.typing': { jobId: 'job-1' },
  'chat.delivered': { jobId: 'job-1', messageId: 'm-1' },
  'chat.read': { jobId: 'job-1', messageId: 'm-1' },
};
const WRONG: Record<string, unknown[]> = {
  streams: ['jobs', 5, {}, [], [5], ['secrets'], [null], ['jobs', 'jobs', 'jobs', 'jobs', 'jobs', 'jobs', 'jobs', 'jobs'], true, null],
  viewport: ['x', 5, true, { west: 'a', south: 0, east: 1, north: 1 }, { west: 999, south: 0, east: 1, north: 1 }, { west: 1 }],
  state: ['busy', 5, null, {}, ['active'], ''],
  default: [5, true, {}, [], ['x'], null, '', 'has space', 'x'.repeat(5000), '\u0000'],
};

function randomCase(i: number): Case {
  switch (rng.int(0, 6)) {
    case 0: {
      const bytes = rng.bytes(rng.int(1, 200));
      return { name: `#${i} random text bytes`, frame: bytes, expect: (a) => isClose(1007)(a) || isError(a) };
    }
    case 1:
      return { name: `#${i} random binary`, frame: rng.bytes(rng.int(0, 300)), binary: true, expect: isError };
    case 2:
      return { name: `#${i} random JSON`, frame: JSON.stringify(rng.json(4)) ?? 'undefined', expect: isError };
    case 3: {
      const event = rng.pick(['Subscribe', 'subscribe ', 'chat.SEND', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'error', 'feed', rng.text(rng.int(0, 30)), 'x'.repeat(2000)]);
      return { name: `#${i} unknown event ${JSON.stringify(event.slice(0, 20))}`, frame: JSON.stringify({ event, data: rng.json(2) }), expect: (a) => a.kind === 'error' && a.code === 'UNKNOWN_EVENT' };
    }
    case 4: {
      // a known event, one of its fields given a wrong type or value
      const event = rng.pick(Object.keys(TEMPLATES));
      const data = structuredClone(TEMPLATES[event]!);
      const field = rng.pick(Object.keys(data));
      const wrong = (WRONG[field] ?? WRONG.default!).filter((v) => JSON.stringify(v) !== JSON.stringify(data[field]) && !(field === 'viewport' && v === null));
      data[field] = rng.pick(wrong);
      return { name: `#${i} ${event}.${field}=${JSON.stringify(data[field])?.slice(0, 30)}`, frame: JSON.stringify({ event, data }), expect: isError };
    }
    case 5: {
      // a known event with a field it does not have
      const event = rng.pick(Object.keys(TEMPLATES));
      const data = { ...TEMPLATES[event]!, [`x_${rng.int(0, 1e6)}`]: rng.json(2) };
      return { name: `#${i} ${event} + unknown field`, frame: JSON.stringify({ event, data }), expect: (a) => a.kind === 'error' && a.code === 'INVALID_MESSAGE' };
    }
    default: {
      // a known event with random data: valid by chance is possible (an empty viewport), so any answer, or none
      const event = rng.pick(Object.keys(TEMPLATES));
      return { name: `#${i} ${event} with random data`, frame: JSON.stringify({ event, data: rng.json(3) }), expect: (a) => a.kind !== 'error' || isError(a), allowSilent: true };
    }
  }
}

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

function fixedCases(): Case[] {
  const big = (bytes: number) => JSON.stringify({ event: 'chat.send', data: { jobId: 'job-1', clientMessageId: 'c-1', text: 'x'.repeat(bytes) } });
  return [
    { name: 'a frame just under the limit', frame: big(MAX_FRAME_BYTES - 200), expect: (a) => a.kind === 'error' && a.code === 'INVALID_MESSAGE' },
    { name: 'a frame one byte over the limit', frame: Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20), expect: isClose(1009) },
    { name: 'a 1 MiB frame', frame: big(1 << 20), expect: isClose(1009) },
    { name: 'a 32 MiB frame', frame: big(32 << 20), expect: isClose(1009) },
    { name: 'a 32 MiB binary frame', frame: Buffer.alloc(32 << 20, 0x7b), binary: true, expect: isClose(1009) },
    { name: 'arrays nested 30,000 deep', frame: nested(30_000, '[', ']'), expect: isError },
    { name: 'objects nested 10,000 deep', frame: nested(10_000, '{"a":', '}'), expect: isError },
    { name: 'a viewport nested 5,000 deep', frame: `{"event":"subscribe","data":{"streams":["jobs"],"viewport":${nested(5_000, '{"west":', '}')}}}`, expect: isError },
    { name: 'a chat text nested 10,000 deep', frame: `{"event":"chat.send","data":{"jobId":"j","clientMessageId":"c","text":${nested(10_000, '[', ']')}}}`, expect: isError },
    { name: 'an unknown field nested 10,000 deep', frame: `{"event":"presence","data":{"state":"active","x":${nested(10_000, '{"x":', '}')}}}`, expect: isError },
    { name: 'data as deep as a valid frame', frame: '{"event":"subscribe","data":{"streams":["jobs","alerts"],"viewport":{"west":1,"south":1,"east":2,"north":2,"x":{"y":{"z":[1]}}}}}', expect: (a) => a.kind === 'error' && a.code === 'INVALID_MESSAGE' },
    { name: 'a __proto__ field', frame: '{"event":"presence","data":{"state":"active","__proto__":{"state":"idle","isAdmin":true}}}', expect: (a) => errorOrClose(a) || a.kind === 'silent', allowSilent: true }, // stripped: no prototype of its own
    { name: 'data as a __proto__ payload', frame: '{"event":"subscribe","data":{"__proto__":{"streams":["jobs"]}}}', expect: isError },
    { name: 'invalid UTF-8 (0xFF 0xFE)', frame: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), expect: isClose(1007) },
    { name: 'an overlong encoding', frame: Buffer.from([0x22, 0xc0, 0xaf, 0x22]), expect: isClose(1007) },
    { name: 'a lone surrogate', frame: Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), expect: isClose(1007) },
    { name: 'a truncated code point', frame: Buffer.concat([Buffer.from('{"event":"presence","data":{"state":"'), Buffer.from('\u00e9').subarray(0, 1), Buffer.from('"}}')]), expect: isClose(1007) },
    { name: 'invalid UTF-8 in a binary frame', frame: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), binary: true, expect: isError },
    { name: 'an empty text frame', frame: '', expect: isError },
    { name: 'JSON null', frame: 'null', expect: isError },
    { name: 'an event that is a number', frame: '{"event":5,"data":{}}', expect: isError },
    { name: 'a huge number', frame: `{"event":"viewport","data":{"viewport":{"west":1e999,"south":0,"east":1,"north":1}}}`, expect: isError },
    { name: 'an auth frame with a garbage token', frame: JSON.stringify({ event: 'auth', data: { token: 'not.a.jwt.at.all' } }), expect: (a) => a.kind === 'error' && a.code === 'UNAUTHORIZED' },
    { name: 'an auth frame with an expired token', frame: JSON.stringify({ event: 'auth', data: { token: token(dispatcher, -10) } }), expect: (a) => a.kind === 'error' && a.code === 'UNAUTHORIZED' },
    { name: "an auth frame with another user's token", frame: JSON.stringify({ event: 'auth', data: { token: token({ ...dispatcher, userId: 'u-else' }) } }), expect: (a) => a.kind === 'error' && a.code === 'UNAUTHORIZED' },
    { name: "an auth frame with another tenant's token", frame: JSON.stringify({ event: 'auth', data: { token: token({ ...dispatcher, tenantId: 'tnt_other' }) } }), expect: (a) => a.kind === 'error' && a.code === 'UNAUTHORIZED' },
  ];
}

/** WebSocket frames as no client library would send them, on a raw TCP connection after the upgrade. */
async function rawWire(bytes: Buffer): Promise<{ closeCode: number | undefined; ended: boolean }> {
  const url = new URL(authed());
  const socket = tcpConnect(Number(url.port), url.hostname);
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  socket.on('error', () => undefined);
  const ended = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5_000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  await new Promise((r) => socket.once('connect', r));
  socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`);
  while (!received.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 5));
  socket.write(bytes);
  const wasEnded = await ended;
  socket.destroy();
  const frames = received.subarray(received.indexOf('\r\n\r\n') + 4);
  // the server's close frame: 0x88, length, code (2 bytes)
  const at = frames.indexOf(0x88);
  return { closeCode: at >= 0 && frames.length >= at + 4 ? frames.readUInt16BE(at + 2) : undefined, ended: wasEnded };
}

/** A client frame header with a mask (all-zero mask: the payload goes as it is). */
const wireFrame = (firstByte: number, payload: Buffer, masked = true) => {
  const len = payload.length;
  const header = len < 126 ? Buffer.from([firstByte, (masked ? 0x80 : 0) | len]) : Buffer.from([firstByte, (masked ? 0x80 : 0) | 126, len >> 8, len & 0xff]);
  return Buffer.concat([header, masked ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
};

// ---- the lane ------------------------------------------------------------------------------------

async function stats(): Promise<{ rssBytes: number; heapUsedBytes: number; externalBytes: number; connections: number }> {
  return (await fetch(`${app.url}/stats?gc=1`)).json() as never;
}

beforeAll(async () => {
  // --expose-gc: /stats?gc=1 collects first, so the memory bound compares live memory, not garbage
  app = await startGateway({ NODE_OPTIONS: '--expose-gc', REALTIME_HEARTBEAT_S: '30', PRESENCE_TTL_S: '60' });
  redis = new Redis(process.env.REDIS_URL!);
  console.log(`ws-fuzz seed ${rng.seed} (replay: FUZZ_SEED=${rng.seed})`);
  observer = new Recorder(wsUrl(app), token(dispatcher), ['jobs']).start();
  await observer.until('subscribed', () => observer.of('subscribed').length > 0);
}, 60_000);

afterAll(async () => {
  observer?.close();
  redis?.disconnect();
  await app?.stop();
});

it('answers every hostile frame with an error frame or a close with a code, and stays up and bounded', async () => {
  // Warm-up: the allocator grows to its working size (an oversized frame is read and thrown away, in
  // 64 KiB chunks), so what the lane adds afterwards is what it keeps.
  const warmUp = fixedCases().filter((c) => /MiB|deep/.test(c.name));
  await Promise.all(warmUp.map((c) => probe().then(async (p) => (await p.ask(c.frame, c.binary), p.close()))));
  const before = await stats();

  const cases = [...fixedCases(), ...Array.from({ length: RANDOM_CASES }, (_, i) => randomCase(i))];
  const failures: string[] = [];
  const tally = new Map<string, number>();
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      let p = await probe();
      for (let c = queue.shift(); c; c = queue.shift()) {
        const answer = await p.ask(c.frame, c.binary, c.allowSilent);
        const label = answer.kind === 'error' ? `error ${answer.code}` : answer.kind === 'close' ? `close ${answer.code}` : answer.kind === 'frame' ? `frame ${answer.event}` : 'silent';
        tally.set(label, (tally.get(label) ?? 0) + 1);
        if (!c.expect(answer)) failures.push(`${c.name}: ${label}`);
        if (p.closed !== undefined) {
          p.close();
          p = await probe();
        }
      }
      p.close();
    }),
  );
  console.log(`ws-fuzz seed ${rng.seed}: ${cases.length} cases → ${[...tally].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  expect(failures).toEqual([]);

  // Broken at the wire (RFC 6455 §5): protocol error 1002 or too big 1009, the connection closed.
  const wire = {
    reservedOpcode: await rawWire(wireFrame(0x83, Buffer.from('{}'))),
    unmasked: await rawWire(wireFrame(0x81, Buffer.from('{}'), false)),
    rsv1WithoutDeflate: await rawWire(wireFrame(0xc1, Buffer.from('{}'))),
    fragmentedPing: await rawWire(wireFrame(0x09, Buffer.from('hi'))),
    length2pow63: await rawWire(Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])),
    continuationFirst: await rawWire(wireFrame(0x80, Buffer.from('{}'))),
  };
  expect(wire).toEqual({
    reservedOpcode: { closeCode: 1002, ended: true },
    unmasked: { closeCode: 1002, ended: true },
    rsv1WithoutDeflate: { closeCode: 1002, ended: true },
    fragmentedPing: { closeCode: 1002, ended: true },
    length2pow63: { closeCode: 1009, ended: true },
    continuationFirst: { closeCode: 1002, ended: true },
  });

  // Without a valid token: closed 4001 whatever is sent, nothing answered but the close.
  for (const bad of ['', '?access_token=garbage', `?access_token=${token(dispatcher, -10)}`, `?access_token=${token(dispatcher).slice(0, -4)}AAAA`, `?access_token=${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u', tid: tenantId, role: 'admin' })).toString('base64url')}.`]) {
    const p = new Probe(`${wsUrl(app)}${bad}`);
    await p.opened.catch(() => undefined);
    if (p.socket.readyState === WebSocket.OPEN) p.socket.send(JSON.stringify({ event: 'subscribe', data: { streams: ['jobs'] } }));
    const answers: Answer[] = [];
    for (let a = await p.next(5_000); ; a = await p.next(5_000)) {
      answers.push(a);
      if (a.kind === 'close' || a.kind === 'silent') break;
    }
    expect({ bad: bad.slice(0, 30), answers }).toEqual({ bad: bad.slice(0, 30), answers: [{ kind: 'close', code: CloseCodes.unauthorized }] });
    p.close();
  }

  // Afterwards: alive, a normal client still served, memory bounded.
  expect(app.child.exitCode).toBeNull();
  expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
  await redis.xadd(liveKeys(tenantId).feed, '*', ...feedFields({ kind: 'job', type: 'job.note_added', subjectId: 'job-after-fuzz', data: { probe: true } }));
  await observer.until('the entry written after the lane', () => observer.feed('job').some((f) => f.subjectId === 'job-after-fuzz'), 10_000);
  expect(observer.closes).toEqual([]);
  await new Promise((r) => setTimeout(r, 200)); // the probes' closes reach the server
  const after = await stats();
  console.log(`ws-fuzz memory: rss ${(before.rssBytes / 2 ** 20).toFixed(0)} → ${(after.rssBytes / 2 ** 20).toFixed(0)} MiB, heap ${(before.heapUsedBytes / 2 ** 20).toFixed(0)} → ${(after.heapUsedBytes / 2 ** 20).toFixed(0)} MiB, external ${(before.externalBytes / 2 ** 20).toFixed(0)} → ${(after.externalBytes / 2 ** 20).toFixed(0)} MiB`);
  expect(after.rssBytes - before.rssBytes).toBeLessThan(RSS_GROWTH_BOUND);
  expect(after.connections).toBe(1); // the observer: every probe is gone
  // Nest's ws adapter logs every client's protocol error (WS_ERR_*: bad UTF-8, too big, bad opcode) at
  // error level; anything else at error level is the app's own.
  const severe = app.lines.map(tryParse).filter((r) => typeof r?.level === 'number' && r.level >= 50);
  const clientErrors = severe.filter((r) => r!.context === 'WsAdapter' && /^WS_ERR_/.test(String((r!.err as { code?: unknown } | undefined)?.code)));
  expect(severe.filter((r) => !clientErrors.includes(r))).toEqual([]);
}, 120_000);

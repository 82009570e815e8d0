import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { feedFields, liveKeys } from '#libs/live';
import type { SocketLike } from '#libs/realtime-client';
import { type AppProcess, tryParse } from '../../../test/support/app-process';
import { uniqueTenant } from '../../../test/support/events';
import { Recorder, startGateway, token, wsUrl } from '../../../test/support/realtime';

// REALTIME_PROCESSES=2: one command, one port, two gateway workers (Node's cluster module), each a node
// of its own. Real processes and the stack's Redis; feed entries written straight to the tenant's feed
// (as the projector's scripts do); dashboards are the client kit, which reconnects and resumes by itself.
// The upgrade's Fieldline-Node header tells which worker took a socket.

const tenantId = uniqueTenant('rt_procs');
const redis = new Redis(process.env.REDIS_URL!);
const gateways: AppProcess[] = [];
const written: string[] = [];

interface Dashboard {
  userId: string;
  recorder: Recorder;
  /** The worker of each of its connections, in order. */
  nodes: string[];
  sockets: WebSocket[];
  /** Closed: no token, so the client keeps retrying without connecting. */
  gate: { open: boolean };
  /** How many entries were written before it first subscribed (it follows from now). */
  from: number;
}
const dashboards: Dashboard[] = [];

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  for (const started = Date.now(); !(await check()); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
};

const startCluster = async (env: Record<string, string> = {}) => {
  const base = `e2e-procs-${randomUUID().slice(0, 6)}`;
  const cluster = await startGateway({ REALTIME_PROCESSES: '2', REALTIME_NODE_ID: base, ...env });
  gateways.push(cluster);
  await until('both workers listening', () => listening(cluster).size === 2, 45_000);
  return { cluster, base };
};

/** The pids of the workers listening (the first to listen would otherwise take every connection). */
const listening = (cluster: AppProcess) => new Set(cluster.lines.map(tryParse).filter((r) => r?.event === 'app.listening').map((r) => r!.pid as number));

/** nodeId → pid of the workers as they announced themselves (a restarted one replaces its entry). */
const nodesOf = (cluster: AppProcess) =>
  new Map(cluster.lines.map(tryParse).filter((r) => r?.event === 'realtime.node').map((r) => [r!.nodeId as string, r!.pid as number]));

/** A ws that notes which worker answered its upgrade. */
const taggedSocket = (into: string[], sockets: WebSocket[]) =>
  class extends WebSocket {
    constructor(url: string, options?: WebSocket.ClientOptions) {
      super(url, options);
      sockets.push(this);
      this.once('upgrade', (response) => into.push(String(response.headers['fieldline-node'])));
    }
  };

const dashboard = (cluster: AppProcess, userId: string): Dashboard => {
  const nodes: string[] = [];
  const sockets: WebSocket[] = [];
  const gate = { open: true };
  const bearer = token({ tenantId, userId, role: 'dispatcher' });
  const recorder = new Recorder(wsUrl(cluster), bearer, ['jobs', 'presence'], {
    WebSocket: taggedSocket(nodes, sockets) as unknown as new (url: string) => SocketLike,
    token: () => (gate.open ? bearer : Promise.reject(new Error('gated'))),
  }).start();
  const d = { userId, recorder, nodes, sockets, gate, from: written.length };
  dashboards.push(d);
  return d;
};

/** Job entries written to the tenant's feed, each once, in one round trip (`padding` characters of text each). */
async function write(count: number, padding = 0): Promise<void> {
  const pipeline = redis.pipeline();
  for (let n = 0; n < count; n++) {
    const entry = { kind: 'job' as const, type: 'job.note_added', subjectId: 'job-procs', data: { n: written.length + n, text: 'x'.repeat(padding) } };
    pipeline.xadd(liveKeys(tenantId).feed, '*', ...feedFields(entry as never));
  }
  for (const [error, id] of (await pipeline.exec())!) written.push(error ? `failed: ${error.message}` : (id as string));
}

const feedIds = (d: Dashboard) => d.recorder.feed('job').map((f) => f.id);
/** The entries a dashboard should have: all written since it first subscribed, each once, in order. */
const expected = (d: Dashboard) => written.slice(d.from);
const allDelivered = () => dashboards.every((d) => feedIds(d).length >= expected(d).length);

/** A dashboard's view of presence: its latest snapshot, then the changes after it. */
function presenceSeenBy(d: Dashboard): Map<string, string> {
  const states = new Map<string, string>();
  for (const frame of d.recorder.frames) {
    if (frame.event === 'presence.snapshot') {
      states.clear();
      for (const p of frame.data.items) states.set(p.userId, p.state);
    }
    if (frame.event === 'presence') states.set(frame.data.userId, frame.data.state);
  }
  return states;
}

afterAll(async () => {
  dashboards.forEach((d) => d.recorder.close());
  await Promise.all(gateways.map((g) => g.stop()));
  redis.disconnect();
});

let cluster: AppProcess;
let base: string;

it('spreads dashboards over both workers, each reading the feed once; an entry reaches every dashboard once, a resume on either worker has no gap and no duplicate', async () => {
  ({ cluster, base } = await startCluster({ REALTIME_MAX_QUEUED: '50', REALTIME_HIGH_WATER_BYTES: '16384' }));
  for (let n = 0; n < 6; n++) dashboard(cluster, `u-procs-${n}`);
  await until('all subscribed', () => dashboards.every((d) => d.recorder.of('subscribed').length === 1));
  expect(new Set(dashboards.map((d) => d.nodes[0]))).toEqual(new Set([`${base}-0`, `${base}-1`]));

  // one feed reader per worker, whatever its sockets: the connections named after each node (a reader
  // connects as its first tenant subscribes, so it may still be connecting as the subscribed frame goes out)
  const readers = async () => ((await redis.client('LIST')) as string).split('\n').filter((line) => line.includes(`name=fieldline-feed-reader-${base}-`)).length;
  await until('a reader on each worker', async () => (await readers()) >= 2);
  expect(await readers()).toBe(2);

  await write(5);
  await until('the entries everywhere', allDelivered);
  await new Promise((r) => setTimeout(r, 500)); // a duplicate would be here by now
  for (const d of dashboards) expect(feedIds(d)).toEqual(expected(d));

  // presence: the users of both workers online, seen from a dashboard on either
  for (const observer of dashboards.slice(0, 2)) {
    await until('everyone online', () => dashboards.every((d) => presenceSeenBy(observer).get(d.userId) === 'online'));
  }

  // Three dashboards go away twice each; entries are written while they are gone; each comes back (two
  // reconnects in a row are two connections in a row: one of them on the other worker) and resumes.
  for (const d of dashboards.slice(0, 3)) {
    for (let round = 0; round < 2; round++) {
      const closes = d.recorder.closes.length;
      const subscribed = d.recorder.of('subscribed').length;
      d.gate.open = false;
      d.sockets.at(-1)!.terminate();
      await until('the dashboard retrying', () => d.recorder.closes.length > closes);
      await write(3);
      d.gate.open = true;
      await until('resumed', () => d.recorder.of('subscribed').length > subscribed);
      expect(d.recorder.of('subscribed').at(-1)!.resumed).toBe(true);
      await until('caught up', () => feedIds(d).length === expected(d).length);
    }
  }
  await write(2);
  await until('the last entries everywhere', allDelivered);
  await new Promise((r) => setTimeout(r, 500));
  for (const d of dashboards) expect(feedIds(d)).toEqual(expected(d));
  const moved = dashboards.slice(0, 3).flatMap((d) => d.nodes.slice(1).filter((node, i) => node !== d.nodes[i]));
  expect(moved.length).toBeGreaterThan(0);
}, 120_000);

it('after a kill -9 of a worker: its dashboards resume on the other or the restarted one without a gap, the supervisor restarts it, its users do not stay online as ghosts', async () => {
  // the worker holding the most dashboards now (the reconnects above may have moved them)
  const on = (node: string) => dashboards.filter((d) => d.nodes.at(-1) === node);
  const victim = [`${base}-0`, `${base}-1`].sort((x, y) => on(y).length - on(x).length)[0]!;
  const pid = nodesOf(cluster).get(victim)!;
  const onVictim = on(victim);
  // presence as one dashboard sees it (one on the victim sees it again in the snapshot after its resume)
  const observer = dashboards.find((d) => !onVictim.includes(d)) ?? dashboards[0]!;

  // A socket that will not reconnect, on the victim: its user must go offline once the worker is gone.
  const ghost = 'u-procs-ghost';
  const ghostNodes: string[] = [];
  const ghostSockets: WebSocket[] = [];
  const GhostSocket = taggedSocket(ghostNodes, ghostSockets);
  for (let tries = 0; ghostNodes.at(-1) !== victim; tries++) {
    if (tries > 5) throw new Error('no connection reached the victim');
    ghostSockets.at(-1)?.terminate();
    const socket = new GhostSocket(`${wsUrl(cluster)}?access_token=${token({ tenantId, userId: ghost, role: 'dispatcher' })}`);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('open', resolve));
  }
  await until('the ghost online', () => presenceSeenBy(observer).get(ghost) === 'online');

  const subscribed = onVictim.map((d) => d.recorder.of('subscribed').length);
  await write(3);
  process.kill(pid, 'SIGKILL');
  await write(3); // while its dashboards reconnect
  await until('its dashboards resubscribed', () => onVictim.every((d, i) => d.recorder.of('subscribed').length > subscribed[i]!));
  for (const d of onVictim) expect(d.recorder.of('subscribed').at(-1)!.resumed).toBe(true);
  await until('the worker restarted', () => nodesOf(cluster).get(victim) !== pid && listening(cluster).has(nodesOf(cluster).get(victim)!), 45_000);
  expect(cluster.lines.map(tryParse).some((r) => r?.event === 'process.exited' && r.index === Number(victim.slice(-1)) && r.signal === 'SIGKILL')).toBe(true);
  await write(3);
  await until('every entry everywhere', allDelivered, 30_000);
  await new Promise((r) => setTimeout(r, 500));
  for (const d of dashboards) expect(feedIds(d)).toEqual(expected(d));

  // PRESENCE_TTL_S=3 in these tests: the dead worker's records expire and a live node's sweep drops them
  await until('the ghost offline', () => presenceSeenBy(observer).get(ghost) === 'offline', 15_000);
  expect(await redis.hlen(`fl:{${tenantId}}:conns:${ghost}`)).toBe(0);
  // the resumed dashboards' users are online again; their records re-register as they reconnect, so a
  // snapshot taken meanwhile may lack them for a moment (seen in a clean-clone run): wait, do not sample
  await until('every dashboard user online again', () => dashboards.every((d) => presenceSeenBy(observer).get(d.userId) === 'online'), 15_000);
}, 120_000);

it('closes a slow consumer on its own worker: the dashboards of the other read on, and it resumes with every entry', async () => {
  const slow = dashboard(cluster, 'u-procs-slow');
  await until('the slow one subscribed', () => slow.recorder.of('subscribed').length === 1);
  const fast = dashboard(cluster, 'u-procs-fast'); // the next connection: the other worker
  await until('the fast one subscribed', () => fast.recorder.of('subscribed').length === 1);
  expect(fast.nodes[0]).not.toBe(slow.nodes[0]);
  // stop reading: the client's TCP buffer fills, then the server's, then the worker's queue bound (50)
  const tcp = (slow.sockets.at(-1) as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  tcp.pause();
  // 8 MB, more than the kernel buffers hold, at a pace a reading socket keeps up with (16 KB high water)
  for (let batch = 0; batch < 500; batch++) {
    await write(4, 4_000);
    await new Promise((r) => setTimeout(r, 10));
  }
  await until('the fast one has them all', () => feedIds(fast).length === expected(fast).length, 60_000);
  await new Promise((r) => setTimeout(r, 5_000)); // two heartbeat intervals (2 s here) without a pong
  tcp.resume();
  // unread for two heartbeats (1006) or past its queue (4008): cut off either way (seen once it reads again)
  await until('the slow one cut off', () => slow.recorder.closes.some((c) => /closed (1006|4008)/.test(c)), 30_000);
  await until('every entry everywhere', allDelivered, 60_000);
  await new Promise((r) => setTimeout(r, 500));
  for (const d of dashboards) expect(feedIds(d)).toEqual(expected(d));
  expect(fast.recorder.closes).toEqual([]);
}, 120_000);

it('bounds connections per worker: each takes REALTIME_MAX_CONNECTIONS, then the upgrade gets 503 with Retry-After', async () => {
  const { cluster: small } = await startCluster({ REALTIME_MAX_CONNECTIONS: '2' });
  const landed: string[] = [];
  const sockets: WebSocket[] = [];
  const Socket = taggedSocket(landed, sockets);
  const refusals: { status?: number; retryAfter?: string }[] = [];
  const connect = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new Socket(`${wsUrl(small)}?access_token=${token({ tenantId, userId: `u-bound-${n}`, role: 'dispatcher' })}`);
      // registered once the token is checked: wait for the presence of it (a frame answered) before the next
      socket.once('open', () => {
        socket.send(JSON.stringify({ event: 'subscribe', data: { streams: ['jobs'] } }));
        socket.once('message', () => resolve());
      });
      socket.once('unexpected-response', (_request, response) => {
        refusals.push({ status: response.statusCode, retryAfter: response.headers['retry-after'] });
        resolve();
      });
      socket.once('error', reject);
    });
  for (let n = 0; n < 6; n++) await connect(n);
  sockets.forEach((s) => s.terminate());
  expect(landed.filter((node) => node.endsWith('-0'))).toHaveLength(2);
  expect(landed.filter((node) => node.endsWith('-1'))).toHaveLength(2);
  expect(refusals).toEqual([
    { status: 503, retryAfter: expect.stringMatching(/^\d+$/) },
    { status: 503, retryAfter: expect.stringMatching(/^\d+$/) },
  ]);
}, 90_000);

// npm run bench:realtime -- [--dashboards 1000] [--rate 2000] [--seconds 15] [--warmup 3] [--fanout 10000] [--nodes 1] [--processes 1]
//
// In one run on this machine:
// 1. end to end: devices publish locations over MQTT (ingest → Kafka → projector → feed → realtime)
//    at --rate msg/s while --dashboards sockets each watch a viewport of the map; latency from the
//    device's publish to the dashboard's receipt;
// 2. fan-out: one tenant feed to --fanout idle sockets: memory per connection, then p99 delivery;
// 3. the same fan-out through Centrifugo (go install, memory engine) as the baseline, with ratios.
// Each part also prints each process's CPU per unit of work over its measured window (cost-per-unit.ts;
// appended to docs/performance.md): the gateway and this driver per delivered frame; ingest, the projector,
// Kafka, Redis and the database per fix; in the fan-out, our gateway's and Centrifugo's per delivery.
// Our gateway runs as --nodes processes (default 1) on ports of their own, the sockets dealt round-robin,
// each with REALTIME_PROCESSES=--processes (default 1: N workers sharing its port). Diagnostics:
// BENCH_NODE_ARGS (flags for the apps, e.g. --cpu-prof), BENCH_DUMP=<file> (fix, feed-write, receipt times).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { topics } from '#libs/events';
import { feedFields, liveKeys } from '#libs/live';
import { AccessTokenSigner, publicJwk, signingKeyFromPem, verificationKeyOf } from '#libs/platform';
import { provisionSimDevices, SIM_SECRET } from '../simulate/sim-devices';
import { progress } from '../stack/progress';
import { raiseStack } from '../stack/stack-component';
import { stackComponents } from '../stack/stack';
import { cacheDir, repoRoot } from '../stack/stack.config';
import { type Cost, driver, type Measured, openCostWindow, printCost, recordCostHistory, stackProcesses } from './cost-per-unit';
import { lagOf } from './kafka-lag';
import { dropBenchTelemetry } from './bench-topics';

const { values } = parseArgs({
  options: {
    dashboards: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    fanout: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '1' },
    processes: { type: 'string', default: '1' },
  },
});
const dashboards = Number(values.dashboards);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const fanout = Number(values.fanout);
/** Gateway processes sharing the sockets round-robin (one per core is how Node scales on a machine). */
const nodes = Number(values.nodes);
/** REALTIME_PROCESSES of each gateway: workers sharing its port (Node's cluster module). */
const processesPerNode = Number(values.processes);
// The gateways check this run's own token key (a JWK Set file), as they would the api's.
const tokenKey = signingKeyFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
const tokens = new AccessTokenSigner(tokenKey);
const JWT_PUBLIC_KEYS_FILE = join(tmpdir(), `fieldline-bench-jwks-${process.pid}.json`);
writeFileSync(JWT_PUBLIC_KEYS_FILE, JSON.stringify({ keys: [publicJwk(verificationKeyOf(tokenKey))] }));
const CENTRIFUGO_VERSION = 'v6.9.1';
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Extra node flags for the apps under test, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const benchNodeArgs = () => process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

function startApp(app: string, env: Record<string, string>, port: number, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, ...benchNodeArgs(), join(repoRoot, `dist/apps/${app}/src/main.js`)], {
    env: { ...process.env, ...env, HTTP_PORT: String(port), LOG_LEVEL: 'warn', JWT_PUBLIC_KEYS_FILE, ...(app === 'realtime' ? { REALTIME_PROCESSES: String(processesPerNode) } : {}) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function ready(port: number): Promise<void> {
  while (!(await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok) await sleep(250);
}

/** Until each of a gateway's REALTIME_PROCESSES workers answers an upgrade (a worker not yet listening would leave every socket to the others). */
async function gatewayReady(port: number): Promise<void> {
  await ready(port);
  const seen = new Set<string>();
  while (seen.size < processesPerNode) {
    const node = await new Promise<string | undefined>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`); // no token: refused after the upgrade, which names the node
      socket.once('upgrade', (response) => resolve(response.headers['fieldline-node'] as string | undefined));
      socket.once('error', () => resolve(undefined));
      socket.once('close', () => resolve(undefined));
    });
    if (node) seen.add(node);
    else await sleep(250);
  }
}

/** Opens `count` sockets, `parallel` at a time; `onOpen` sends what the protocol needs. */
async function openSockets(count: number, url: (i: number) => string, onOpen: (socket: WebSocket, i: number) => void, onMessage: (data: string, i: number) => void, label: string): Promise<WebSocket[]> {
  const line = progress(label, 2000);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, (_, k) => {
        const index = i + k;
        return new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(url(index), { perMessageDeflate: false });
          socket.on('open', () => {
            onOpen(socket, index);
            resolve(socket);
          });
          socket.on('message', (data) => onMessage(data.toString(), index));
          socket.on('error', reject);
        });
      }),
    );
    sockets.push(...batch);
    line.update(`${sockets.length.toLocaleString('en')} / ${count.toLocaleString('en')} sockets open`);
  }
  line.done(`${count.toLocaleString('en')} sockets open`);
  return sockets;
}

/** A location feed frame's write time (its id's time part) and fix time, without a JSON parse. */
function feedTimes(frame: string): { written: number; at: number } | null {
  if (!frame.startsWith('{"event":"feed"')) return null;
  const id = frame.indexOf('"id":"') + 6;
  const at = frame.indexOf('"at":') + 5;
  if (id < 6 || at < 5) return null;
  const comma = frame.indexOf(',', at);
  const brace = frame.indexOf('}', at);
  const end = comma < 0 ? brace : brace < 0 ? comma : Math.min(comma, brace);
  return { written: Number(frame.slice(id, frame.indexOf('-', id))), at: Number(frame.slice(at, end)) };
}

// ---------------------------------------------------------------------------------------------------
// 1. End to end, MQTT publish → dashboard receipt.

/** A process' children (a gateway's workers with REALTIME_PROCESSES > 1), from /proc. */
const childrenOf = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));

/** The gateways as cost rows: one per process (a primary and each of its workers). */
const gatewayRows = (gateways: ChildProcess[]): Measured[] =>
  gateways.flatMap((g, n) => {
    const name = gateways.length === 1 ? 'realtime' : `realtime #${n + 1}`;
    if (processesPerNode === 1) return [{ label: name, pid: g.pid }];
    return [{ label: `${name} primary`, pid: g.pid }, ...childrenOf(g.pid!).map((pid, w) => ({ label: `${name} worker ${w}`, pid }))];
  });

async function endToEnd(env: Record<string, string>): Promise<{ p50: number; p99: number; received: number; published: number; cost: Cost }> {
  const tenantId = 'tnt_simulator';
  const devices = Math.max(10, Math.round(rate / 10)); // each device publishes every 100 ms
  const ids = await provisionSimDevices(env.DATABASE_URL!, devices, tenantId);
  const ingest = startApp('ingest', { ...env, MQTT_PORT: '18841', MQTT_WS_PORT: '18842' }, 3191);
  const group = `bench-rt-${Date.now()}`;
  // New groups would replay the whole topic first (every bench run adds to it): start them at its end.
  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topics.telemetry.name);
  for (const groupId of [`${group}-history`, `${group}-positions`]) {
    await admin.setOffsets({ groupId, topic: topics.telemetry.name, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
  }
  await admin.disconnect();
  const projector = startApp('projector', { ...env, PROJECTOR_GROUP_PREFIX: group, PROJECTOR_PROJECTIONS: 'history,positions' }, 3192);
  const gatewayPorts = Array.from({ length: nodes }, (_, n) => 3193 + n * 10);
  const gateways = gatewayPorts.map((port) => startApp('realtime', { ...env, REALTIME_MAX_CONNECTIONS: '100000' }, port));
  try {
    await Promise.all([ready(3191), ready(3192), ...gatewayPorts.map(gatewayReady)]);
    const catchUp = progress('projector', 2000);
    for (let lag = Infinity; lag > 0; await sleep(500)) {
      lag = await lagOf(kafka, [`${group}-history`, `${group}-positions`], topics.telemetry.name).catch(() => Infinity);
      catchUp.update(`catching up with the telemetry topic: ${lag === Infinity ? '…' : lag.toLocaleString('en')} records behind`);
    }
    catchUp.done('caught up');
    // Devices on a 10 × 10 grid of cells around Berlin; each dashboard watches one cell.
    const cell = (i: number) => ({ row: i % 10, col: Math.floor(i / 10) % 10 });
    const cellBox = (i: number) => {
      const { row, col } = cell(i);
      return { west: 13 + col * 0.05, south: 52.3 + row * 0.05, east: 13 + (col + 1) * 0.05, north: 52.3 + (row + 1) * 0.05 };
    };
    const latencies: number[] = [];
    const dump: string[] = [];
    // The feed id's time part is when the projector wrote the entry: it splits the path in two.
    const upstream: number[] = [];
    const downstream: number[] = [];
    // Fixes taken before this (warm-up: connections, JIT, consumer groups settling) are not counted.
    let measureFrom = Infinity;
    // The CPU window: from the end of the warm-up to the last publish; the frames and fixes in it.
    let counting = false;
    let frames = 0;
    let fixes = 0;
    const sockets = await openSockets(
      dashboards,
      (i) => `ws://127.0.0.1:${gatewayPorts[i % nodes]}/ws?access_token=${tokens.sign({ sub: `dash-${i}`, tid: tenantId, role: 'dispatcher' }, 3600)}`,
      (socket, i) => socket.send(JSON.stringify({ event: 'subscribe', data: { streams: ['locations'], viewport: cellBox(i) } })),
      (data) => {
        const received = now();
        // 18,000 frames/s share the cores with what is measured: read the two numbers, parse nothing else.
        const fix = feedTimes(data);
        if (counting && fix) frames++;
        if (!fix || fix.at < measureFrom) return;
        latencies.push(received - fix.at);
        if (process.env.BENCH_DUMP) dump.push(`${fix.at} ${fix.written} ${received.toFixed(1)}`);
        upstream.push(fix.written - fix.at);
        downstream.push(received - fix.written);
      },
      'dashboards',
    );
    const clients = await Promise.all(
      ids.map((id) => mqtt.connectAsync('mqtt://127.0.0.1:18841', { clientId: id, username: id, password: SIM_SECRET, reconnectPeriod: 0, connectTimeout: 120_000 })),
    );
    const line = progress('e2e', 2000);
    // The driver shares the cores too: its own event-loop delay is part of every figure.
    const driverLoop = monitorEventLoopDelay({ resolution: 5 });
    driverLoop.enable();
    let published = 0;
    const started = now();
    measureFrom = started + warmup * 1000;
    const deadline = measureFrom + seconds * 1000;
    line.update(`warming up for ${warmup} s`);
    const stackRows = stackProcesses();
    const processes = [...gatewayRows(gateways), { label: 'ingest', pid: ingest.pid, threads: true }, { label: 'projector', pid: projector.pid, threads: true }, driver(), ...stackRows];
    let window: ReturnType<typeof openCostWindow> | undefined;
    const opening = setTimeout(() => {
      window = openCostWindow('MQTT → dashboard (e2e)', processes);
      counting = true;
    }, measureFrom - now());
    // Each device every 100 ms on its own phase, as real devices are (not all 200 in the same millisecond).
    await Promise.all(
      clients.map(async (client, d) => {
        const box = cellBox(d);
        for (let n = 0; ; n++) {
          const due = started + (d * 100) / clients.length + n * 100;
          if (due >= deadline) break;
          await sleep(due - now());
          const at = now();
          if (counting) fixes++;
          const fix = { lat: box.south + 0.025 + (n % 10) * 1e-4, lon: box.west + 0.025, ts: new Date(at).toISOString(), id: `${ids[d]}-${n}`, spd: 8 };
          void client.publishAsync(`fieldline/v1/${ids[d]}/location`, JSON.stringify(fix), { qos: 1 }).then(() => {
            if (at >= measureFrom) published++;
          });
          if (d === 0 && at >= measureFrom) line.update(`${published.toLocaleString('en')} published, ${latencies.length.toLocaleString('en')} received`);
        }
      }),
    );
    clearTimeout(opening);
    counting = false;
    // What the fixes drive (their path to the feed) per fix; the gateway and the driver per frame.
    const perFix = Object.fromEntries(['ingest', 'projector', ...stackRows.map((p) => p.label)].map((label) => [label, { count: fixes, name: 'fix' }]));
    const cost = window!.stop({ count: frames, name: 'frame' }, perFix);
    await sleep(2_000); // the last ones arrive
    measureFrom = Infinity;
    driverLoop.disable();
    if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, dump.join('\n'));
    line.done(`${published.toLocaleString('en')} published, ${latencies.length.toLocaleString('en')} received by dashboards`);
    await Promise.all(clients.map((c) => c.endAsync(true)));
    sockets.forEach((s) => s.terminate());
    for (const list of [latencies, upstream, downstream]) list.sort((a, b) => a - b);
    console.log(
      `  of which: publish → feed write (ingest, Kafka, projector) p50 ${percentile(upstream, 50).toFixed(1)} ms, p99 ${percentile(upstream, 99).toFixed(1)} ms; ` +
        `feed write → dashboard (realtime) p50 ${percentile(downstream, 50).toFixed(1)} ms, p99 ${percentile(downstream, 99).toFixed(1)} ms; ` +
        `load driver's event-loop delay p99 ${(driverLoop.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), received: latencies.length, published, cost };
  } finally {
    for (const child of [ingest, projector, ...gateways]) child.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------------------------------------------
// 2 and 3. Fan-out of one channel to many idle sockets.

interface FanoutResult {
  memoryPerConnKb: number;
  memoryKind: string;
  p50: number;
  p99: number;
  deliveries: number;
  cost: Cost;
}

async function measureFanout(
  label: string,
  sockets: () => Promise<WebSocket[]>,
  receipts: number[],
  publish: (sentAt: number) => Promise<void>,
  memory: () => Promise<number>,
  memoryKind: string,
  processes: Measured[],
): Promise<FanoutResult> {
  const before = await memory();
  const open = await sockets();
  await sleep(3_000); // settle: subscriptions done, allocations done
  const after = await memory();
  const line = progress(label, 2000);
  const window = openCostWindow(`fan-out to ${open.length.toLocaleString('en')} sockets, ${label}`, processes);
  for (let m = 0; m < 20; m++) {
    await publish(now());
    line.update(`message ${m + 1} / 20, ${receipts.length.toLocaleString('en')} deliveries`);
    await sleep(500);
  }
  await sleep(2_000);
  const cost = window.stop({ count: receipts.length, name: 'delivery' });
  line.done(`${receipts.length.toLocaleString('en')} deliveries`);
  open.forEach((s) => s.terminate());
  const sorted = [...receipts].sort((a, b) => a - b);
  return { memoryPerConnKb: ((after - before) / open.length) / 1024, memoryKind, p50: percentile(sorted, 50), p99: percentile(sorted, 99), deliveries: receipts.length, cost };
}

async function oursFanout(env: Record<string, string>): Promise<FanoutResult> {
  const tenantId = `tnt_fanout_${Date.now()}`;
  const ports = Array.from({ length: nodes }, (_, n) => 3194 + n * 10);
  const gateways = ports.map((port) => startApp('realtime', { ...env, REALTIME_MAX_CONNECTIONS: String(fanout + 100) }, port, ['--expose-gc']));
  const redis = new Redis(env.REDIS_URL!);
  try {
    await Promise.all(ports.map(gatewayReady));
    const receipts: number[] = [];
    const heap = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/stats?gc=1`)).json()) as { heapUsedBytes: number }).heapUsedBytes;
    return await measureFanout(
      'fieldline',
      () =>
        openSockets(
          fanout,
          (i) => `ws://127.0.0.1:${ports[i % nodes]}/ws?access_token=${tokens.sign({ sub: `viewer-${i}`, tid: tenantId, role: 'dispatcher' }, 3600)}`,
          (socket) => socket.send(JSON.stringify({ event: 'subscribe', data: { streams: ['alerts'] } })),
          (data) => {
            const frame = JSON.parse(data) as { event: string; data: { data: { sentAt: number } } };
            if (frame.event === 'feed') receipts.push(now() - frame.data.data.sentAt);
          },
          'fieldline',
        ),
      receipts,
      async (sentAt) => {
        await redis.xadd(liveKeys(tenantId).feed, '*', ...feedFields({ kind: 'alert', type: 'bench.ping', subjectId: 'bench', data: { sentAt } }));
      },
      async () => (await Promise.all(ports.map(heap))).reduce((a, b) => a + b, 0),
      'heap',
      [...gatewayRows(gateways), driver(), ...stackProcesses()],
    );
  } finally {
    redis.disconnect();
    gateways.forEach((g) => g.kill('SIGTERM'));
  }
}

function centrifugoBinary(): string {
  const bin = join(cacheDir, 'go-bin', 'centrifugo');
  if (existsSync(bin)) return bin;
  mkdirSync(join(cacheDir, 'go-bin'), { recursive: true });
  console.log(`  centrifugo  first run: go install github.com/centrifugal/centrifugo/v6@${CENTRIFUGO_VERSION} (several minutes on 2 cores) …`);
  execFileSync('go', ['install', `github.com/centrifugal/centrifugo/v6@${CENTRIFUGO_VERSION}`], { env: { ...process.env, GOBIN: join(cacheDir, 'go-bin') }, stdio: 'inherit' });
  return bin;
}

async function centrifugoFanout(): Promise<FanoutResult> {
  const bin = centrifugoBinary();
  const dir = join(repoRoot, '.data', 'bench-centrifugo');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.json');
  // Memory engine (the default), anonymous clients allowed to subscribe, an open HTTP API: a baseline on loopback only.
  writeFileSync(config, JSON.stringify({ http_server: { port: 18000 }, client: { insecure: true, allowed_origins: ['*'] }, http_api: { insecure: true }, health: { enabled: true }, log: { level: 'error' } }));
  const server = spawn(bin, ['--config', config], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    while (!(await fetch('http://127.0.0.1:18000/health').catch(() => undefined))?.ok) await sleep(250);
    const receipts: number[] = [];
    return await measureFanout(
      'centrifugo',
      () =>
        openSockets(
          fanout,
          () => 'ws://127.0.0.1:18000/connection/websocket',
          (socket) => socket.send(`${JSON.stringify({ id: 1, connect: {} })}\n${JSON.stringify({ id: 2, subscribe: { channel: 'bench' } })}`),
          (data) => {
            for (const line of data.split('\n')) {
              if (!line.includes('"push"')) continue;
              const frame = JSON.parse(line) as { push?: { pub?: { data: { sentAt: number } } } };
              if (frame.push?.pub) receipts.push(now() - frame.push.pub.data.sentAt);
            }
          },
          'centrifugo',
        ),
      receipts,
      async (sentAt) => {
        await fetch('http://127.0.0.1:18000/api/publish', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'bench', data: { sentAt } }) });
      },
      async () => rssMb(server.pid!) * 1024 * 1024,
      'RSS',
      [{ label: 'Centrifugo', pid: server.pid }, driver(), ...stackProcesses()],
    );
  } finally {
    server.kill('SIGTERM');
  }
}

async function main() {
  console.log(`bench:realtime — e2e: ${dashboards} dashboards, ${rate} msg/s for ${seconds} s after ${warmup} s of warm-up; fan-out: ${fanout.toLocaleString('en')} sockets; ${nodes} gateway(s) × REALTIME_PROCESSES=${processesPerNode}`);
  const stack = await raiseStack(await stackComponents());
  const env = stack.env as Record<string, string>;
  const e2e = await endToEnd(env);
  console.log(`  MQTT publish → dashboard, ${dashboards} dashboards, ${e2e.published.toLocaleString('en')} fixes: p50 ${e2e.p50.toFixed(1)} ms, p99 ${e2e.p99.toFixed(1)} ms (${e2e.received.toLocaleString('en')} deliveries)`);
  const costs = [e2e.cost];
  if (fanout === 0) await finish(env, costs);
  const ours = await oursFanout(env);
  const theirs = await centrifugoFanout();
  const show = (name: string, r: FanoutResult) =>
    console.log(`  ${name.padEnd(11)} ${fanout.toLocaleString('en')} idle sockets: ${r.memoryPerConnKb.toFixed(1)} KB ${r.memoryKind}/connection; delivery p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.deliveries.toLocaleString('en')} deliveries)`);
  show('fieldline', ours);
  show('centrifugo', theirs);
  console.log(`  ratio fieldline / centrifugo: p99 ${(ours.p99 / theirs.p99).toFixed(2)}, p50 ${(ours.p50 / theirs.p50).toFixed(2)}`);
  console.log('  (load driver, apps, Kafka, Redis and the embedded database share the 2 cores)');
  await finish(env, [...costs, ours.cost, theirs.cost]);
}

async function finish(env: Record<string, string>, costs: Cost[]): Promise<never> {
  costs.forEach(printCost);
  recordCostHistory('bench:realtime', costs);
  await dropBenchTelemetry(env.KAFKA_BROKERS!);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

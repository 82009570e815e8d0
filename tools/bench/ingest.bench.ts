// npm run bench:ingest -- [--devices 1000] [--seconds 15] [--rate 10000] [--client lean|mqtt.js] [--processes 1]
//
// QoS 1 load from N connected devices, against a bare aedes (no auth, no Kafka: the ceiling) and
// against apps/ingest (auth, validation, Kafka acks=all before each PUBACK), in one go:
// - saturation: each device keeps one publish in flight and sends the next on its PUBACK — the most
//   msg/s each can take, and the ratio to the ceiling (latency here is mostly queueing: with N in
//   flight, Little's law makes it N / throughput);
// - offered load: `--rate` msg/s in all, each device publishing on its own schedule whether or not its
//   last PUBACK came (as phones do) — publish→PUBACK p50/p99 at that load, timed from when each publish
//   was due (no coordinated omission).
// The devices are LeanMqttClients (one buffer and one write per publish) so the generator, which shares
// the 2 cores, takes as little of them as it can; `--client mqtt.js` runs the same load through mqtt.js.
// Prints msg/s, p50/p99, ingest's RSS, the ratios, and per phase the CPU per acked message of the broker,
// the load driver, Kafka, Redis and the database (cost-per-unit.ts; appended to docs/performance.md). Diagnostics: BENCH_NODE_ARGS (flags for ingest, e.g.
// --cpu-prof), BENCH_DUMP=<file> (each offered publish's due time, as epoch ms, and latency: to find stalls in time and in logs).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { type Cost, driver, type Measured, openCostWindow, printCost, recordCostHistory, stackProcesses } from './cost-per-unit';
import { childrenOf } from './proc-cpu';
import { dropBenchTelemetry } from './bench-topics';
import { LeanMqttClient } from './lean-mqtt-client';
import { provisionSimDevices, SIM_SECRET } from '../simulate/sim-devices';
import { raiseStack } from '../stack/stack-component';
import { stackComponents } from '../stack/stack';
import { logDir, repoRoot } from '../stack/stack.config';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '15' }, rate: { type: 'string', default: '10000' }, client: { type: 'string', default: 'lean' }, processes: { type: 'string', default: '1' } } });
const devices = Number(values.devices);
/** INGEST_PROCESSES: workers sharing ingest's ports (Node's cluster module; sessions shared through Redis). */
const processes = Number(values.processes);
if (!Number.isInteger(processes) || processes < 1) throw new Error(`--processes is a whole number of at least 1, not ${values.processes}`);
const seconds = Number(values.seconds);
const offered = Number(values.rate);
if (values.client !== 'lean' && values.client !== 'mqtt.js') throw new Error(`--client is lean or mqtt.js, not ${values.client}`);

/** A device as the load sees it: QoS 1 publishes, `done` on the PUBACK. */
interface LoadClient {
  publish(topic: string, payload: string, done: (error?: Error) => void): void;
  publishAsync(topic: string, payload: string): Promise<void>;
  end(): Promise<void>;
}

async function connectDevice(port: number, id: string): Promise<LoadClient> {
  const options = { clientId: id, username: id, password: SIM_SECRET, keepalive: 120 };
  if (values.client === 'lean') return LeanMqttClient.connect(port, '127.0.0.1', options);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { ...options, reconnectPeriod: 0, connectTimeout: 60_000 });
  return {
    publish: (topic, payload, done) => client.publish(topic, payload, { qos: 1 }, (error) => done(error ?? undefined)),
    publishAsync: async (topic, payload) => void (await client.publishAsync(topic, payload, { qos: 1 })),
    end: async () => void (await client.endAsync(true)),
  };
}

interface Result {
  rate: number;
  /** Publishes acked (the unit of work the CPU is divided by). */
  acked: number;
  p50: number;
  p99: number;
  errors: number;
  /** The load generator's own event-loop delay while it ran (its stalls look like broker latency). */
  loopP99?: number;
  loopMax?: number;
}

async function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line) resolve(line);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
}

const summarise = (latencies: number[], elapsedS: number, errors: number): Result => {
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { rate: latencies.length / elapsedS, acked: latencies.length, p50: at(50), p99: at(99), errors };
};

const line = (label: string, r: Result) =>
  `  ${label.padEnd(44)} ${r.rate.toFixed(0).padStart(7)} msg/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(7)} ms   errors ${r.errors}` +
  (r.loopMax === undefined ? '\n' : `   (generator's event-loop delay p99 ${r.loopP99!.toFixed(1)} ms, max ${r.loopMax.toFixed(1)} ms)\n`);

const payload = (id: string, n: number) => JSON.stringify({ lat: 52.5 + (n % 100) / 1e4, lon: 13.4, spd: 9, id: `${id}-${n}` });

/** Each device: one publish in flight, the next on its PUBACK. */
async function saturate(clients: LoadClient[], ids: string[]): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    clients.map(async (client, i) => {
      const topic = `fieldline/v1/${ids[i]}/location`;
      for (let n = 0; performance.now() < deadline; n++) {
        const t = performance.now();
        try {
          await client.publishAsync(topic, payload(ids[i]!, n));
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  return summarise(latencies, (performance.now() - started) / 1000, errors);
}

/** `offered` msg/s in all: every device on its own fixed schedule, staggered; latency from the due time. */
async function offer(clients: LoadClient[], ids: string[]): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  let pending = 0;
  const periodMs = (clients.length / offered) * 1000;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const next = clients.map((_, i) => started + (i / clients.length) * periodMs);
  const counts = clients.map(() => 0);
  const dump: string[] = [];
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (now >= deadline) {
        clearInterval(tick);
        const drain = setInterval(() => pending === 0 && (clearInterval(drain), resolve()), 20);
        return;
      }
      for (let i = 0; i < clients.length; i++) {
        while (next[i]! <= now) {
          const due = next[i]!;
          next[i] = due + periodMs;
          pending++;
          clients[i]!.publish(`fieldline/v1/${ids[i]}/location`, payload(ids[i]!, 1_000_000 + counts[i]!++), (error) => {
            pending--;
            if (error) errors++;
            else if (due < deadline) {
              latencies.push(performance.now() - due);
              if (process.env.BENCH_DUMP) dump.push(`${(performance.timeOrigin + due).toFixed(1)} ${(performance.now() - due).toFixed(1)}`);
            }
          });
        }
      }
    }, 5);
  });
  if (process.env.BENCH_DUMP) writeFileSync(`${process.env.BENCH_DUMP}.${dumps++}`, dump.join('\n'));
  return summarise(latencies, seconds, errors);
}
let dumps = 0;

/** Both phases against the broker on `port`; each phase's CPU of `processes` per acked message. */
async function load(label: string, port: number, ids: string[], processes: Measured[]): Promise<{ saturated: Result; offered: Result; costs: Cost[] }> {
  process.stdout.write(`  ${label}: connecting ${ids.length} devices …`);
  const clients = await Promise.all(
    ids.map((id) => connectDevice(port, id)),
  );
  process.stdout.write(` saturating for ${seconds} s …`);
  const saturatedCpu = openCostWindow(`${label}, saturated`, processes);
  const saturated = await saturate(clients, ids);
  const saturatedCost = saturatedCpu.stop({ count: saturated.acked, name: 'msg' });
  process.stdout.write(`\r${line(`${label}, saturated`, saturated)}`);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the saturation's GC debt settles before the steady load
  process.stdout.write(`  ${label}: offering ${offered} msg/s for ${seconds} s …`);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const offeredCpu = openCostWindow(`${label}, at ${offered} msg/s offered`, processes);
  const atRate = await offer(clients, ids);
  const offeredCost = offeredCpu.stop({ count: atRate.acked, name: 'msg' });
  loop.disable();
  atRate.loopP99 = loop.percentile(99) / 1e6;
  atRate.loopMax = loop.max / 1e6;
  process.stdout.write(`\r${line(`${label}, at ${offered} msg/s offered`, atRate)}`);
  await Promise.all(clients.map((c) => c.end()));
  return { saturated, offered: atRate, costs: [saturatedCost, offeredCost] };
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main() {
  console.log(`bench:ingest — ${devices} devices (${values.client} clients), QoS 1: saturated (one publish in flight each) and at ${offered} msg/s offered, ${seconds} s each`);
  const stack = await raiseStack(await stackComponents());
  const ids = await provisionSimDevices(stack.env.DATABASE_URL!, devices, 'tnt_bench');

  const bare = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/bench/bare-broker.ts'), '18831'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitFor(bare, /listening/);
  const ceiling = await load('bare aedes (ceiling)', 18831, ids, [{ label: 'bare aedes', pid: bare.pid, threads: true }, driver(), ...stackProcesses()]);
  bare.kill();

  // Its log goes to a file: an unread pipe fills, and pino's synchronous writes then stall the process.
  mkdirSync(logDir, { recursive: true });
  const ingestLog = join(logDir, 'bench-ingest.log');
  const ingest = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(repoRoot, 'dist/apps/ingest/src/main.js')], {
    env: { ...process.env, ...stack.env, HTTP_PORT: '3091', MQTT_PORT: '18832', MQTT_WS_PORT: '18833', LOG_LEVEL: 'warn', INGEST_PROCESSES: String(processes) },
    stdio: ['ignore', openSync(ingestLog, 'w'), 'inherit'],
  });
  const ready = (async () => {
    for (;;) {
      // several processes: every worker started, and the shared port answering ready several times over
      const workersUp = processes === 1 || childrenOf(ingest.pid!).length === processes;
      const answers = await Promise.all(Array.from({ length: processes * 2 }, () => fetch('http://127.0.0.1:3091/health/ready').then((r) => r.ok, () => false)));
      if (workersUp && answers.every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  await ready;
  // One process: split by thread. Several: the primary (it hands over connections) and each worker.
  const ingestRows: Measured[] =
    processes === 1
      ? [{ label: 'ingest', pid: ingest.pid, threads: true }]
      : [{ label: 'ingest primary', pid: ingest.pid }, ...childrenOf(ingest.pid!).map((pid, w) => ({ label: `ingest worker ${w}`, pid, threads: true }))];
  const durable = await load('ingest → Kafka (acks=all)', 18832, ids, [...ingestRows, driver(), ...stackProcesses()]);
  const rss = ingestRows.map((row) => `${row.label} ${rssMb(row.pid!).toFixed(0)} MB`).join(', ');
  ingest.kill('SIGTERM');

  console.log(`\n  ingest saturated: ${((durable.saturated.rate / ceiling.saturated.rate) * 100).toFixed(1)} % of the bare-broker ceiling`);
  console.log(`  at ${offered} msg/s offered: ingest acked ${durable.offered.rate.toFixed(0)} msg/s, p99 PUBACK ${durable.offered.p99.toFixed(1)} ms (bare ${ceiling.offered.p99.toFixed(1)} ms)`);
  console.log(`  RSS at the end: ${rss} (its log: ${ingestLog})`);
  console.log('  (load generator, ingest, Kafka and the embedded database share the 2 cores)');
  const costs = [...ceiling.costs, ...durable.costs];
  costs.forEach(printCost);
  recordCostHistory('bench:ingest', costs);
  await dropBenchTelemetry(stack.env.KAFKA_BROKERS!);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

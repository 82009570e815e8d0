// npm run bench:ingest -- [--devices 1000] [--seconds 15]
//
// Sustained QoS 1 load from N connected devices: each keeps one publish in flight and sends the next
// on its PUBACK. Run twice in one go — against a bare aedes (no auth, no Kafka: the ceiling) and
// against apps/ingest (auth, validation, Kafka acks=all before each PUBACK) — and print msg/s,
// publish→PUBACK p50/p99, ingest's RSS, and the ratio to the ceiling.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { provisionSimDevices, SIM_SECRET } from '../simulate/sim-devices';
import { raiseStack } from '../stack/stack-component';
import { stackComponents } from '../stack/stack';
import { repoRoot } from '../stack/stack.config';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '15' } } });
const devices = Number(values.devices);
const seconds = Number(values.seconds);

interface Result {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
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

async function load(label: string, url: string, ids: string[]): Promise<Result> {
  process.stdout.write(`  ${label}: connecting ${ids.length} devices …`);
  const clients = await Promise.all(
    ids.map((id) => mqtt.connectAsync(url, { clientId: id, username: id, password: SIM_SECRET, reconnectPeriod: 0, connectTimeout: 60_000, keepalive: 120 })),
  );
  process.stdout.write(` publishing for ${seconds} s …`);
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
          await client.publishAsync(topic, JSON.stringify({ lat: 52.5 + (n % 100) / 1e4, lon: 13.4, spd: 9, id: `${ids[i]}-${n}` }), { qos: 1 });
          latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync(true)));
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const result = { rate: latencies.length / elapsed, p50: at(50), p99: at(99), errors };
  process.stdout.write(`\r  ${label.padEnd(34)} ${result.rate.toFixed(0).padStart(7)} msg/s   p50 ${result.p50.toFixed(1).padStart(6)} ms   p99 ${result.p99.toFixed(1).padStart(7)} ms   errors ${errors}\n`);
  return result;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main() {
  console.log(`bench:ingest — ${devices} devices, ${seconds} s per run, QoS 1, one publish in flight per device`);
  const stack = await raiseStack(stackComponents);
  const ids = await provisionSimDevices(stack.env.DATABASE_URL!, devices, 'tnt_bench');

  const bare = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/bench/bare-broker.ts'), '18831'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitFor(bare, /listening/);
  const ceiling = await load('bare aedes (ceiling)', 'mqtt://127.0.0.1:18831', ids);
  bare.kill();

  const ingest = spawn(process.execPath, [join(repoRoot, 'dist/apps/ingest/src/main.js')], {
    env: { ...process.env, ...stack.env, HTTP_PORT: '3091', MQTT_PORT: '18832', MQTT_WS_PORT: '18833', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = (async () => {
    for (;;) {
      if ((await fetch('http://127.0.0.1:3091/health/ready').catch(() => undefined))?.ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  await ready;
  const durable = await load('ingest → Kafka (acks=all)', 'mqtt://127.0.0.1:18832', ids);
  const rss = rssMb(ingest.pid!);
  ingest.kill('SIGTERM');

  console.log(`\n  ingest: ${(durable.rate / ceiling.rate * 100).toFixed(1)} % of the bare-broker ceiling; ingest RSS at the end ${rss.toFixed(0)} MB`);
  console.log('  (load generator, ingest, Kafka and the embedded database share the 2 cores)');
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

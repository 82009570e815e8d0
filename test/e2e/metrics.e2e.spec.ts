import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import { writeScrapeTargets } from '../../tools/stack/prometheus.component';
import { type AppProcess, stackEnv, startAppProcess } from '../support/app-process';
import { insertDevice, mqttPortOf } from '../support/devices';
import { eventually } from '../support/events';

// The operator's view, for real: ingest and the projector as processes, a device publishing over
// MQTT, and the stack's Prometheus scraping both apps' /metrics — its query API then shows the
// publishes, their PUBACK latency, the projected events, the consumer groups' lag and the runtime.

const prometheus = process.env.PROMETHEUS_URL!;
const tenantId = `tnt_metrics_${randomUUID().slice(0, 8)}`;
const device = { id: `dev_metrics_${randomUUID().slice(0, 8)}`, secret: 'metrics-secret-0123456789' };
const targetsName = `e2e-metrics-${process.pid}`;
const apps: AppProcess[] = [];
let targetsFile: string;

const env = { ...stackEnv(), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info' };
const hostPort = (app: AppProcess) => new URL(app.url).host;

/** The value of a PromQL query's first sample, or undefined while Prometheus has none. */
async function query(promql: string): Promise<number | undefined> {
  const reply = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await reply.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  expect(body.status).toBe('success');
  const value = body.data.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

beforeAll(async () => {
  await insertDevice({ ...device, tenantId, technicianId: 'tech_metrics', name: 'metrics e2e' });
  const [ingest, projector] = await Promise.all([
    startAppProcess('ingest', { ...env, MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1' }),
    startAppProcess('projector', { ...env, PROJECTOR_GROUP_PREFIX: `e2e-metrics-${randomUUID().slice(0, 8)}` }),
  ]);
  apps.push(ingest!, projector!);
  targetsFile = writeScrapeTargets(targetsName, [{ targets: apps.map(hostPort), labels: { run: targetsName } }]);
}, 120_000);

afterAll(async () => {
  if (targetsFile) rmSync(targetsFile, { force: true });
  await Promise.all(apps.map((app) => app.stop()));
});

it('Prometheus scrapes both apps and sees the device’s publishes, the projections and the runtime', async () => {
  const mqttPort = mqttPortOf(apps[0]!);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 0 });
  for (let i = 0; i < 20; i++) {
    await client.publishAsync(`fieldline/v1/${device.id}/location`, JSON.stringify({ lat: 52.5 + i / 1000, lon: 13.4, ts: new Date(Date.now() - (20 - i) * 1000).toISOString(), id: `m-${i}` }), { qos: 1 });
  }
  await client.publishAsync(`fieldline/v1/${device.id}/location`, 'not json', { qos: 1 }); // acknowledged, dead-lettered
  await client.endAsync();
  for (const app of apps) expect((await fetch(`${app.url}/health/ready`)).status).toBe(200); // what a load balancer asks

  const run = `run="${targetsName}"`;
  await eventually('both apps up in Prometheus', async () => ((await query(`sum(up{${run}})`)) === 2 ? true : undefined), 60_000, 1_000);
  await eventually('the publishes counted', async () => ((await query(`sum(fieldline_mqtt_publishes_total{${run}, outcome="accepted"})`)) ?? 0) >= 20 || undefined, 60_000, 1_000);
  expect(await query(`sum(fieldline_mqtt_puback_seconds_count{${run}})`)).toBeGreaterThanOrEqual(21);
  expect(await query(`sum(fieldline_dead_letters_total{${run}})`)).toBeGreaterThanOrEqual(1);
  expect(await query(`sum(fieldline_mqtt_connections{${run}})`)).toBeDefined();
  expect(await query(`sum(fieldline_kafka_produce_seconds_count{${run}, app="ingest"})`)).toBeGreaterThanOrEqual(21);
  await eventually('the fixes projected', async () => ((await query(`sum(fieldline_projection_events_total{${run}})`)) ?? 0) >= 20 || undefined, 60_000, 1_000);
  expect(await query(`count(fieldline_kafka_consumer_lag{${run}})`)).toBeGreaterThanOrEqual(1);
  expect(await query(`sum(fieldline_http_requests_total{${run}, route="/health/ready", status="2xx"})`)).toBe(2);
  expect(await query(`max(process_resident_memory_bytes{${run}, app="projector"})`)).toBeGreaterThan(10_000_000);
  expect(await query(`count(nodejs_eventloop_lag_p99_seconds{${run}})`)).toBe(2);
  // the rules are loaded: the alerts the operator relies on exist in this Prometheus
  const rules = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string }[] }[] } };
  expect(rules.data.groups.flatMap((g) => g.rules.map((r) => r.name))).toEqual(expect.arrayContaining(['FieldlineAppDown', 'FieldlineConsumerLagGrowing', 'FieldlinePubackSlow']));
}, 180_000);

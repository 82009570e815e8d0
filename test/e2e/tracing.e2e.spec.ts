import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { Recorder, startGateway, token, wsUrl } from '../support/realtime';
import { must, newTenant, startApi } from '../support/api';
import { type AppProcess, stackEnv, startAppProcess, tryParse } from '../support/app-process';
import { insertDevice, mqttPortOf } from '../support/devices';
import { eventually } from '../support/events';

// One fix's path as one trace, for real: a device publishes over MQTT; ingest starts the trace, the
// projector and realtime (as processes) continue it — their spans reach an OTLP/HTTP endpoint (a plain
// HTTP server here, standing in for a collector) under one trace id, the dashboard's WebSocket frame
// carries it, and the apps' log lines on the way name it. A command continues its caller's traceparent.

interface ReceivedSpan {
  service: string;
  traceId: string;
  name: string;
}

const tenantId = `tnt_trace_${randomUUID().slice(0, 8)}`;
const device = { id: `dev_trace_${randomUUID().slice(0, 8)}`, secret: 'trace-secret-0123456789' };
const technicianId = 'tech_trace';
const spans: ReceivedSpan[] = [];
const apps: AppProcess[] = [];
let collector: Server;
let dashboard: Recorder | undefined;
const otelEndpoint = () => `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;

/** OTLP/JSON ids are hex; tolerate base64 from other encoders. */
const hex = (id: string) => (/^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));

beforeAll(async () => {
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { traceId: string; name: string }[] }[] }[];
        };
        for (const rs of body.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ service, traceId: hex(span.traceId), name: span.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: otelEndpoint() };

  await insertDevice({ ...device, tenantId, technicianId, name: 'trace e2e' });
  const env = { ...stackEnv(), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'debug', ...otel };
  apps.push(
    ...(await Promise.all([
      startAppProcess('ingest', { ...env, MQTT_PORT: '0', MQTT_WS_PORT: '0', MQTT_HOST: '127.0.0.1' }),
      startAppProcess('projector', { ...env, PROJECTOR_GROUP_PREFIX: `e2e-trace-${randomUUID().slice(0, 8)}` }),
      startGateway({ ...otel }),
    ])),
  );
}, 120_000);

afterAll(async () => {
  dashboard?.close();
  await Promise.all(apps.map((app) => app.stop()));
  await new Promise((resolve) => collector?.close(resolve));
});

it('a fix is one trace from its MQTT publish through the projector to the dashboard frame, and the logs on the way name it', async () => {
  const [ingest, projector, realtime] = apps as [AppProcess, AppProcess, AppProcess];
  dashboard = new Recorder(wsUrl(realtime), token({ tenantId, userId: 'u-disp', role: 'dispatcher' }), ['locations']).start();
  await dashboard.until('subscribed', () => dashboard!.of('subscribed').length > 0);

  const mqttPort = mqttPortOf(ingest);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 0 });
  await client.publishAsync(`fieldline/v1/${device.id}/location`, JSON.stringify({ lat: 52.52, lon: 13.405, ts: new Date().toISOString(), id: 'm-trace' }), { qos: 1 });
  await client.endAsync();

  // the dashboard's frame carries the trace the publish started
  await dashboard.until('the fix on the dashboard', () => dashboard!.feed('location').length > 0, 60_000);
  const frame = dashboard.feed('location')[0] as { traceparent?: string };
  expect(frame.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  const traceId = frame.traceparent!.split('-')[1]!;

  // every app on the path exported its span under that trace id (history batches for a quarter second, and
  // a new group catches up from the topic's start: its span may come well after the live path's)
  const expected = ['ingest:mqtt.publish', 'projector:project positions', 'projector:project history', 'realtime:feed.deliver'];
  const names = () => spans.filter((s) => s.traceId === traceId).map((s) => `${s.service}:${s.name}`);
  await eventually('spans from ingest, projector (both groups) and realtime under the fix’s trace id', async () => (expected.every((n) => names().includes(n)) ? true : undefined), 45_000, 250).catch(() => undefined);
  expect(names()).toEqual(expect.arrayContaining(expected));

  // the log lines on that path name the trace
  for (const [app, msg] of [
    [ingest, 'message handed to Kafka'],
    [projector, 'projected'],
  ] as const) {
    expect(app.lines.map(tryParse).filter((r) => r?.msg === msg && r.trace_id === traceId).length).toBeGreaterThan(0);
  }
}, 120_000);

it('a command continues the caller’s traceparent: its events carry it, and the API’s span is in that trace', async () => {
  const { app: api, http } = await startApi({ OTEL_EXPORTER_OTLP_ENDPOINT: otelEndpoint() });
  apps.push(api);
  const acme = await newTenant(http);
  const traceId = randomBytes(16).toString('hex');
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  const created = await fetch(`${api.url}/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${acme.dispatcherToken}`, 'content-type': 'application/json', traceparent },
    body: JSON.stringify({ title: 'Traced boiler' }),
  });
  expect(created.status).toBe(201);
  const job = (await created.json()) as { id: string };
  const history = await must(acme.dispatcher.get(`/jobs/${job.id}/events`));
  expect((history as { events: { traceparent?: string }[] }).events[0]!.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  await eventually('the API’s span in the caller’s trace', async () => (spans.some((s) => s.traceId === traceId && s.service === 'api' && s.name === 'POST /jobs') ? true : undefined), 30_000, 250);
}, 120_000);

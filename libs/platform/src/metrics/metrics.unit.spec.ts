import { Controller, Get, Module, Param } from '@nestjs/common';
import { BaseEnv } from '../config/base.env';
import { type RunningApp, startApp } from '../bootstrap/bootstrap-app';
import { Metrics } from './metrics';

// Every app started by startApp answers GET /metrics with its own series and the HTTP ones, labelled
// by route template, never by the raw path.

@Controller('things')
class ThingsController {
  constructor(private readonly metrics: Metrics) {}

  @Get(':id')
  get(@Param('id') id: string) {
    this.metrics.counter({ name: 'fieldline_things_read_total', help: 'things read' }).inc();
    return { id };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

let running: RunningApp<BaseEnv>;
beforeAll(async () => {
  running = await startApp({ name: 'metrics-spec', env: BaseEnv, module: () => ThingsModule }, { HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'fatal' });
});
afterAll(() => running.app.close());

/** The value of the series `name` with exactly these labels (in any order), or undefined. */
const sample = (text: string, name: string, labels: Record<string, string>) => {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',');
  const line = text.split('\n').find((l) => {
    const match = /^(\w+)\{(.*)\} /.exec(l);
    return match?.[1] === name && match[2].split(',').sort().join(',') === wanted;
  });
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

it('serves the app’s own series, the HTTP series by route template and status class, and the runtime’s', async () => {
  for (const id of ['a', 'b', 'c']) expect((await fetch(`${running.url}/things/${id}`)).status).toBe(200);
  expect((await fetch(`${running.url}/nowhere`)).status).toBe(404);

  const response = await fetch(`${running.url}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const app = 'metrics-spec';
  expect(sample(text, 'fieldline_things_read_total', { app })).toBe(3);
  expect(sample(text, 'fieldline_http_requests_total', { app, method: 'GET', route: '/things/:id', status: '2xx' })).toBe(3);
  expect(sample(text, 'fieldline_http_requests_total', { app, method: 'GET', route: 'unmatched', status: '4xx' })).toBe(1);
  expect(sample(text, 'fieldline_http_request_duration_seconds_count', { app, method: 'GET', route: '/things/:id' })).toBe(3);
  expect(text).not.toContain('/things/a');
  expect(text).toContain('nodejs_eventloop_lag_seconds{app="metrics-spec"}');
  expect(text).toContain('process_cpu_seconds_total{app="metrics-spec"}');
});

it('declaring a metric twice gives the same series, not a registry error', () => {
  const metrics = new Metrics('twice', { defaults: false });
  metrics.counter({ name: 'fieldline_x_total', help: 'x' }).inc();
  metrics.counter({ name: 'fieldline_x_total', help: 'x' }).inc(2);
  return expect(metrics.text()).resolves.toContain('fieldline_x_total{app="twice"} 3');
});

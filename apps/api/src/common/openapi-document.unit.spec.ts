import { request } from 'node:http';
import { Module } from '@nestjs/common';
import { type RunningApp, startApp } from '#libs/platform';
import { ApiEnv } from '../api.env';
import { BOOTSTRAP_TOKEN } from '../api.options';
import { JWKS } from '../auth/access-token-keys';
import { AuthController } from '../auth/auth.controller';
import { AuthService } from '../auth/auth.service';
import { JwksController } from '../auth/jwks.controller';
import { DevicesController } from '../devices/devices.controller';
import { DevicesService } from '../devices/devices.service';
import { configureHttp } from '../http.setup';
import { JobsController } from '../jobs/jobs.controller';
import { JobDetailService } from '../jobs/job-detail.service';
import { JobsService } from '../jobs/jobs.service';
import { ProofsService } from '../proofs/proofs.service';
import { CustomersController } from '../places/customers.controller';
import { GeofencesController } from '../places/geofences.controller';
import { PlacesService } from '../places/places.service';
import { SitesController } from '../places/sites.controller';
import { TechniciansController } from '../technicians/technicians.controller';
import { TechniciansService } from '../technicians/technicians.service';
import { TenantsController } from '../tenants/tenants.controller';
import { TenantsService } from '../tenants/tenants.service';
import { BrowserLocationsPublisher } from '../tracking/browser-locations.publisher';
import { TrackingController } from '../tracking/tracking.controller';
import { TrackingService } from '../tracking/tracking.service';
import { WebhooksController } from '../webhooks/webhooks.controller';
import { WebhooksService } from '../webhooks/webhooks.service';
import { WebModule } from '../web/web.module';
import { API_ENV_WITHOUT_STACK } from '../../../../test/support/token-keys';

// The API's controllers with their services stubbed, under the real HTTP setup, no infrastructure: the
// OpenAPI document they produce declares every response each route gives (the fuzz lane checks the
// running API against it), and a method a documented path lacks answers 405 with Allow.

const ENV = API_ENV_WITHOUT_STACK;
const stubbed = [AuthService, TenantsService, JobsService, JobDetailService, ProofsService, TechniciansService, DevicesService, WebhooksService, PlacesService, TrackingService, BrowserLocationsPublisher];

let running: RunningApp<ApiEnv>;
let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
beforeAll(async () => {
  running = await startApp(
    {
      name: 'openapi-spec',
      env: ApiEnv,
      module: (config, logger) => {
        @Module({
          imports: [WebModule.forEnv(config, logger)],
          controllers: [AuthController, JwksController, TenantsController, JobsController, TechniciansController, DevicesController, WebhooksController, CustomersController, SitesController, GeofencesController, TrackingController],
          providers: [...stubbed.map((provide) => ({ provide, useValue: {} })), { provide: BOOTSTRAP_TOKEN, useValue: undefined }, { provide: JWKS, useValue: { keys: [] } }],
        })
        class OpenApiSpecModule {}
        return OpenApiSpecModule;
      },
      configure: configureHttp,
    },
    ENV,
  );
  document = (await (await fetch(`${running.url}/openapi.json`)).json()) as typeof document;
  if (process.env.OPENAPI_DUMP) require('node:fs').writeFileSync(process.env.OPENAPI_DUMP, JSON.stringify(document, null, 1));
});
afterAll(() => running.app.close());

interface Operation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
}
type Schema = Record<string, unknown>;

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ label: `${method.toUpperCase()} ${path}`, path, operation })));
const api = () => operations().filter(({ path }) => !path.startsWith('/health') && path !== '/metrics');

it('declares, on every route, the problems every caller can meet, each as the shared Problem', () => {
  const missing = api().flatMap(({ label, path, operation }) => {
    const expected = ['429', ...(path === '/config/web' ? [] : ['400', '503']), ...(operation.security?.length ? ['401', '403'] : []), ...(/\{\w+\}/.test(path) ? ['404'] : [])];
    return expected.filter((status) => !operation.responses[status]).map((status) => `${label} ${status}`);
  });
  expect(missing).toEqual([]);
  const notProblems = api().flatMap(({ label, operation }) =>
    Object.entries(operation.responses)
      .filter(([status]) => Number(status) >= 400)
      .filter(([, response]) => response.content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/Problem')
      .map(([status]) => `${label} ${status}`),
  );
  expect(notProblems).toEqual([]);
  expect(document.components.schemas.Problem).toMatchObject({ required: ['type', 'title', 'status'], properties: { code: { type: 'string' }, instance: { type: 'string' } } });
});

it('declares a success response on every route', () => {
  expect(operations().filter(({ operation }) => !Object.keys(operation.responses).some((s) => s.startsWith('2'))).map((o) => o.label)).toEqual([]);
});

it('states what validation enforces: id patterns, lengths, ranges, enums, formats, no unknown fields', () => {
  const { schemas } = document.components;
  const idPattern = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$';
  expect(schemas.AssignDto).toMatchObject({ additionalProperties: false, required: ['technicianId'], properties: { technicianId: { type: 'string', pattern: idPattern } } });
  expect(schemas.CreateJobDto?.properties).toMatchObject({
    title: { minLength: 1, maxLength: 200, pattern: '^[^\\u0000]*\\S[^\\u0000]*$' },
    priority: { enum: ['low', 'normal', 'high', 'urgent'] },
    requiredSkills: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 50 } },
  });
  expect(schemas.LocationDto?.properties).toMatchObject({ lat: { minimum: -90, maximum: 90 }, lon: { minimum: -180, maximum: 180 } });
  expect(schemas.WindowDto?.properties).toMatchObject({ start: { format: 'date-time' } });
  expect(schemas.CreateApiKeyDto?.properties).toMatchObject({ scopes: { type: 'array', minItems: 1, uniqueItems: true } });
  expect((schemas.CreateGeofenceDto?.properties as Schema | undefined)?.shape).toMatchObject({ oneOf: [{ required: ['kind', 'center', 'radiusM'] }, { required: ['kind', 'points'] }] });
  expect(schemas.LinkDeviceDto?.oneOf).toEqual([
    { required: ['technicianId'], properties: { technicianId: { type: 'string' } } },
    { required: ['assetId'], properties: { assetId: { type: 'string' } } },
  ]);
  expect(schemas.UpdateCustomerDto?.properties).toMatchObject({ email: { format: 'email', nullable: true }, notes: { pattern: '^[^\\u0000]*\\S[^\\u0000]*$' } });
  const limit = document.paths['/jobs']!.get!.parameters!.find((p) => p.name === 'limit');
  expect(limit?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
  const jobId = document.paths['/jobs/{jobId}/assign']!.post!.parameters!.find((p) => p.name === 'jobId');
  expect(jobId?.schema).toMatchObject({ pattern: idPattern });
});

it('answers a method a documented path lacks with 405, Allow and a problem', async () => {
  for (const [method, path, allow] of [['TRACE', '/jobs', 'GET, POST, HEAD'], ['PUT', '/jobs/job_1/assign', 'POST'], ['DELETE', '/auth/login', 'POST']] as const) {
    const response = await send(method, path);
    expect({ method, path, status: response.status, allow: response.headers.allow, type: response.headers['content-type'] }).toEqual({
      method,
      path,
      status: 405,
      allow,
      type: 'application/problem+json; charset=utf-8',
    });
    expect(JSON.parse(response.body)).toMatchObject({ status: 405, title: 'Method Not Allowed' });
  }
  // the methods a path has go on to its route (whatever the stubbed services then answer), an unknown path to the 404
  for (const [method, path] of [['GET', '/jobs'], ['HEAD', '/jobs/'], ['POST', '/jobs/job_1/assign'], ['DELETE', '/webhooks/wh_1']] as const) {
    expect({ method, path, routed: ![404, 405].includes((await send(method, path)).status) }).toEqual({ method, path, routed: true });
  }
  for (const [method, path] of [['GET', '/nowhere'], ['PUT', '/nowhere/1']] as const) expect({ method, path, status: (await send(method, path)).status }).toEqual({ method, path, status: 404 });
});

/** node:http, which sends any method (fetch refuses TRACE). */
const send = (method: string, path: string) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const call = request(`${running.url}${path}`, { method }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    call.on('error', reject);
    call.end();
  });

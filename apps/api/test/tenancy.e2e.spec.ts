import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, window } from '../../../test/support/api';
import { browserKeys, newVapidKeyFile } from '../../../test/support/push-receiver';

// Every operation of the OpenAPI document that takes an id, called by another tenant's admin with the
// first tenant's ids and a valid body: each must answer 404 and change nothing. The list of operations
// comes from /openapi.json, so a new endpoint is covered (or this test fails asking for its body).

let app: AppProcess;
let http: ApiClient;
let owner: Tenant;
let intruder: Tenant;
const ids: Record<string, string> = {};

beforeAll(async () => {
  // push on (a key of this run's, loopback endpoints allowed) so its routes answer for real
  ({ app, http } = await startApi({ VAPID_PRIVATE_KEY_FILE: newVapidKeyFile(), VAPID_SUBJECT: 'mailto:ops@e2e.example', PUSH_ALLOWED_HOSTS: '127.0.0.1', PUSH_ALLOW_HTTP: '1' }));
  [owner, intruder] = await Promise.all([newTenant(http), newTenant(http)]);
  ids.jobId = (await must(owner.dispatcher.post('/jobs', { title: 'private', window: window(30) }))).id;
  ids.technicianId = owner.technicianId;
  ids.deviceId = (await must(owner.admin.post('/devices', { kind: 'phone', name: 'p' }))).device.id;
  ids.customer = (await must(owner.admin.post('/customers', { name: 'c' }))).id;
  ids.site = (await must(owner.admin.post('/sites', { name: 's', address: 'a', location: { lat: 1, lon: 1 } }))).id;
  ids.geofence = (await must(owner.admin.post('/geofences', { name: 'g', shape: { kind: 'circle', center: { lat: 1, lon: 1 }, radiusM: 10 } }))).id;
  ids.webhook = (await must(owner.admin.post('/webhooks', { url: 'http://127.0.0.1:9/x', eventTypes: ['job.*'] }))).id;
  ids.keyId = (await must(owner.admin.post('/api-keys', { name: 'k', scopes: ['jobs:read'] }))).keyId;
  ids.serial = '0a1b2c3d'; // the device's certificates are not another tenant's to name, real serial or not
  ids.proofId = 'prf_0a1b2c3d';
  ids.push = (await must(owner.technician.post('/push/subscriptions', { endpoint: 'http://127.0.0.1:9/push/owner', keys: browserKeys().json }))).id;
});
afterAll(async () => {
  await app?.stop();
});

/** A valid body for each operation that needs one (the 404 must not hide behind a 400). */
const bodies: Record<string, unknown> = {
  'POST /jobs/{jobId}/assign': { technicianId: 'tech_x' },
  'POST /jobs/{jobId}/reassign': { technicianId: 'tech_x' },
  'POST /jobs/{jobId}/hold': { reason: 'r' },
  'POST /jobs/{jobId}/cancel': { reason: 'r' },
  'POST /jobs/{jobId}/reschedule': { window: window(31) },
  'POST /jobs/{jobId}/priority': { priority: 'high' },
  'POST /jobs/{jobId}/notes': { text: 't' },
  'POST /technicians/{technicianId}/skills': { skills: ['x'] },
  'POST /technicians/{technicianId}/availability': { available: true },
  'POST /technicians/{technicianId}/locations': { fixes: [{ lat: 1, lon: 1, at: '2031-01-01T00:00:00Z' }] },
  'POST /devices/{deviceId}/link': { technicianId: 'tech_x' },
  'POST /devices/{deviceId}/revoke': { reason: 'r' },
  'POST /devices/{deviceId}/commands': { command: 'reboot' },
  'POST /devices/{deviceId}/certificate': { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----' },
  'POST /devices/{deviceId}/certificates/{serial}/revoke': { reason: 'r' },
  'PATCH /customers/{id}': { name: 'n' },
  'PATCH /sites/{id}': { name: 'n' },
  'PATCH /geofences/{id}': { name: 'n' },
};

/** Required query parameters, so the 404 does not hide behind a 400 either. */
const queries: Record<string, string> = {
  'GET /technicians/{technicianId}/track': '?from=2031-05-04T00:00:00Z&to=2031-05-05T00:00:00Z',
  'GET /technicians/{technicianId}/summary': '?date=2031-05-04',
  'POST /jobs/{jobId}/proofs': '?kind=photo',
};

function idFor(path: string, param: string): string {
  if (ids[param]) return ids[param]!;
  const resource = path.split('/')[1]!; // customers, sites, geofences, webhooks
  const key = { customers: 'customer', sites: 'site', geofences: 'geofence', webhooks: 'webhook', push: 'push' }[resource];
  if (!key) throw new Error(`no id for {${param}} in ${path}: add one to this test`);
  return ids[key]!;
}

it('answers 404 to another tenant on every operation with an id, and changes nothing', async () => {
  const spec = await must(http.get('/openapi.json'));
  const operations = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
    Object.keys(methods).filter((m) => ['get', 'post', 'patch', 'delete', 'put'].includes(m)).filter(() => path.includes('{')).map((m) => ({ method: m.toUpperCase(), path })),
  );
  expect(operations.length).toBeGreaterThan(30);
  const answers: Record<string, number> = {};
  for (const { method, path } of operations) {
    const url = path.replace(/\{(\w+)\}/g, (_m, param: string) => idFor(path, param)) + (queries[`${method} ${path}`] ?? '');
    const reply = await intruder.admin.send(method, url, bodies[`${method} ${path}`] ?? (method === 'POST' || method === 'PATCH' ? {} : undefined));
    answers[`${method} ${path}`] = reply.status;
  }
  expect(Object.entries(answers).filter(([, status]) => status !== 404)).toEqual([]);
  // and the owner's data is as it was
  expect((await must(owner.dispatcher.get(`/jobs/${ids.jobId}`))).version).toBe(1);
  expect((await must(owner.admin.get(`/devices/${ids.deviceId}`))).status).toBe('active');
  expect((await must(owner.admin.get('/api-keys'))).find((k: { keyId: string }) => k.keyId === ids.keyId).revokedAt).toBeNull();
  expect((await must(owner.technician.get('/push/subscriptions'))).map((p: { id: string }) => p.id)).toEqual([ids.push]);
});

import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant } from '../../../test/support/api';

// Customers, sites and geofences over HTTP: event-sourced, listed with filters and cursors, per tenant.

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;

beforeAll(async () => {
  ({ app, http } = await startApi());
  acme = await newTenant(http);
});
afterAll(async () => {
  await app?.stop();
});

it('creates a customer, its site and the site geofence; lists them by parent; updates and retires', async () => {
  const customer = await must(acme.dispatcher.post('/customers', { name: 'Acme Bakery', email: 'ops@acme.example' }));
  const site = await must(acme.dispatcher.post('/sites', { name: 'Bakery Mitte', customerId: customer.id, address: 'Torstr. 1, Berlin', location: { lat: 52.529, lon: 13.401 } }));
  const fence = await must(acme.dispatcher.post('/geofences', { name: 'Yard', siteId: site.id, shape: { kind: 'circle', center: { lat: 52.529, lon: 13.401 }, radiusM: 80 } }));
  expect(fence).toMatchObject({ status: 'active', version: 1, shape: { kind: 'circle', radiusM: 80 }, siteId: site.id });

  const sites = await must(acme.technician.get(`/sites?parentId=${customer.id}`));
  expect(sites.items.map((s: { id: string }) => s.id)).toEqual([site.id]);
  expect((await must(acme.dispatcher.get(`/geofences?parentId=${site.id}`))).items).toHaveLength(1);

  const moved = await acme.dispatcher.send('PATCH', `/sites/${site.id}`, { address: 'Torstr. 2, Berlin' }, { 'if-match': '"1"' });
  expect(moved.status).toBe(200);
  expect(moved.body).toMatchObject({ version: 2, address: 'Torstr. 2, Berlin', name: 'Bakery Mitte' });
  const unchanged = await must(acme.dispatcher.send('PATCH', `/sites/${site.id}`, { address: 'Torstr. 2, Berlin' }));
  expect(unchanged.version).toBe(2); // nothing changed, nothing appended

  expect((await must(acme.dispatcher.send('DELETE', `/geofences/${fence.id}`))).status).toBe('retired');
  expect((await must(acme.dispatcher.get(`/geofences?parentId=${site.id}`))).items).toEqual([]);
  expect((await acme.dispatcher.send('PATCH', `/geofences/${fence.id}`, { name: 'again' })).body.code).toBe('PLACE_RETIRED');
});

it('validates geofence shapes', async () => {
  const twoPoints = await acme.dispatcher.post('/geofences', { name: 'bad', shape: { kind: 'polygon', points: [{ lat: 1, lon: 1 }, { lat: 2, lon: 2 }] } });
  expect(twoPoints.status).toBe(400);
  const noRadius = await acme.dispatcher.post('/geofences', { name: 'bad', shape: { kind: 'circle', center: { lat: 1, lon: 1 } } });
  expect(noRadius.status).toBe(400);
  const polygon = await acme.dispatcher.post('/geofences', { name: 'depot', shape: { kind: 'polygon', points: [{ lat: 1, lon: 1 }, { lat: 1, lon: 2 }, { lat: 2, lon: 2 }] } });
  expect(polygon.status).toBe(201);
});

it('pages customers by name with a cursor and filters by prefix', async () => {
  const tenant = await newTenant(http);
  for (const name of ['Delta', 'alpha', 'Charlie', 'bravo', 'Echo']) await must(tenant.dispatcher.post('/customers', { name }));
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { name: string }[]; nextCursor: string | null } = await must(tenant.dispatcher.get(`/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    names.push(...page.items.map((c) => c.name));
    cursor = page.nextCursor;
  } while (cursor);
  expect(names).toEqual(['alpha', 'bravo', 'Charlie', 'Delta', 'Echo']);
  expect((await must(tenant.dispatcher.get('/customers?q=ch'))).items.map((c: { name: string }) => c.name)).toEqual(['Charlie']);
});

it('isolates tenants and keeps technicians read-only', async () => {
  const customer = await must(acme.dispatcher.post('/customers', { name: 'Private' }));
  const other = await newTenant(http);
  expect((await other.dispatcher.get(`/customers/${customer.id}`)).status).toBe(404);
  expect((await other.dispatcher.send('PATCH', `/customers/${customer.id}`, { name: 'mine' })).status).toBe(404);
  expect((await other.dispatcher.send('DELETE', `/customers/${customer.id}`)).status).toBe(404);
  expect((await acme.technician.post('/customers', { name: 'x' })).status).toBe(403);
});

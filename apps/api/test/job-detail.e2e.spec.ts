import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';

// The technician's job detail: the job joined with its site and customer, and its notes; visible to
// the assigned technician and the tenant's dispatchers only.

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;
let other: Tenant;

beforeAll(async () => {
  ({ app, http } = await startApi());
  [acme, other] = await Promise.all([newTenant(http), newTenant(http)]);
});
afterAll(async () => {
  await app?.stop();
});

async function jobAtSite(tenant: Tenant) {
  const customer = await must(tenant.dispatcher.post('/customers', { name: 'Acme Bakery', phone: '+49 30 123456', email: 'ops@acme.example' }));
  const site = await must(tenant.dispatcher.post('/sites', { name: 'Bakery Mitte', customerId: customer.id, address: 'Torstr. 1, 10119 Berlin', location: { lat: 52.529, lon: 13.401 } }));
  const job = await must(tenant.dispatcher.post('/jobs', { title: 'Oven fault', description: 'Oven 2 trips the breaker', siteId: site.id, requiredSkills: ['hvac'], window: windowAroundNow(4) }));
  return { customer, site, job };
}

it("gives the assigned technician the site, the site's customer, the notes and the summary", async () => {
  const { customer, site, job } = await jobAtSite(acme);
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/notes`, { text: 'Back door, ring twice' }));
  for (const step of ['travel', 'arrive']) await must(acme.technician.post(`/jobs/${job.id}/${step}`));
  await must(acme.technician.post(`/jobs/${job.id}/notes`, { text: 'Breaker replaced' }));
  await must(acme.technician.post(`/jobs/${job.id}/complete`, { summary: 'Fixed' }));

  const detail = await must(acme.technician.get(`/jobs/${job.id}/detail`));
  expect(detail).toMatchObject({
    job: { id: job.id, status: 'completed', description: 'Oven 2 trips the breaker', requiredSkills: ['hvac'], window: job.window },
    site: { id: site.id, name: 'Bakery Mitte', address: 'Torstr. 1, 10119 Berlin', location: { lat: 52.529, lon: 13.401 } },
    customer: { id: customer.id, name: 'Acme Bakery', phone: '+49 30 123456', email: 'ops@acme.example' },
    summary: 'Fixed',
  });
  expect(detail.notes.map((n: { text: string }) => n.text)).toEqual(['Back door, ring twice', 'Breaker replaced']);
  expect(detail.notes[1]).toMatchObject({ noteId: expect.stringMatching(/^note_/), authorId: expect.any(String), at: expect.any(String) });
});

it('answers 404 to a technician the job is not assigned to, and to another tenant', async () => {
  const { job } = await jobAtSite(acme);
  expect((await acme.technician.get(`/jobs/${job.id}/detail`)).status).toBe(404); // unassigned: not theirs
  expect((await other.dispatcher.get(`/jobs/${job.id}/detail`)).status).toBe(404);
  expect((await acme.dispatcher.get(`/jobs/${job.id}/detail`)).status).toBe(200);
});

it('leaves out a retired site', async () => {
  const { site, job } = await jobAtSite(acme);
  const retired = await acme.dispatcher.send('DELETE', `/sites/${site.id}`);
  expect(retired.status).toBeLessThan(300);
  const detail = await must(acme.dispatcher.get(`/jobs/${job.id}/detail`));
  expect(detail.site).toBeUndefined();
});

import type { AppProcess } from '../../test/support/app-process';
import type { ApiClient } from '../../apps/api/test/api-client';
import { BOOTSTRAP, login, must, startApi } from '../../apps/api/test/support';
import { type DemoLogins, demoStillThere, seedDemo } from './demo-seed';

// What `npm run up` seeds, against a real API on the real stack: every login works and the tenant
// has what the dashboard shows at first open.

let api: AppProcess;
let http: ApiClient;
let demo: DemoLogins;
const lines: string[] = [];

beforeAll(async () => {
  ({ app: api, http } = await startApi());
  demo = await seedDemo(api.url, BOOTSTRAP, (line) => lines.push(line));
}, 120_000);
afterAll(() => api?.stop());

it('seeds a tenant whose dispatcher sees technicians on shift, sites with geofences and jobs in several states', async () => {
  expect(lines.length).toBeGreaterThanOrEqual(4); // progress for each part
  const dispatcher = http.as(await login(http, demo.dispatcher.email, demo.dispatcher.password));
  const technicians = await must(dispatcher.get('/technicians?limit=50'));
  expect(technicians.items.map((t: { id: string }) => t.id).sort()).toEqual([...demo.technicianIds].sort());
  expect(technicians.items.every((t: { status: string }) => t.status !== 'off_shift')).toBe(true);
  expect((await must(dispatcher.get('/sites?limit=50'))).items).toHaveLength(8);
  expect((await must(dispatcher.get('/geofences?limit=50'))).items).toHaveLength(8);
  const jobs = await must(dispatcher.get('/jobs?limit=50'));
  expect(jobs.items).toHaveLength(8);
  expect(new Set(jobs.items.map((j: { status: string }) => j.status))).toEqual(new Set(['unassigned', 'assigned']));
});

it('gives the technician login their own technician with a job to do', async () => {
  const technician = http.as(await login(http, demo.technician.email, demo.technician.password));
  const mine = await must(technician.get(`/jobs?technicianId=${demo.technicianIds[0]}`));
  expect(mine.items.map((j: { status: string }) => j.status)).toEqual(['assigned']);
  expect((await technician.get(`/technicians/${demo.technicianIds[1]}/track?from=2031-01-01T00:00:00Z&to=2031-01-02T00:00:00Z`)).status).toBe(404);
});

it('knows whether saved logins still work (npm run up reuses them, or seeds again after a wipe)', async () => {
  await expect(demoStillThere(api.url, demo)).resolves.toBe(true);
  await expect(demoStillThere(api.url, { ...demo, dispatcher: { ...demo.dispatcher, password: 'not-the-password' } })).resolves.toBe(false);
});

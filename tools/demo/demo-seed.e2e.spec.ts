import { ShiftedClock, SystemClock } from '#libs/platform';
import type { AppProcess } from '../../test/support/app-process';
import type { ApiClient } from '../../test/support/api-client';
import { BOOTSTRAP, login, must, startApi } from '../../test/support/api';
import { type DemoLogins, loginWorks, planDemo, seedDemo } from './demo-seed';

// What `npm run up` seeds, against a real API on the real stack, with the API's clock and the seed's
// set to the hours where a fixed "today 06:00–18:00" window broke it: 23:30 UTC on the last day of a
// month, and 00:05 UTC. Both clocks start at the same moment and run on in real time. The moments lie
// ahead of the real date, so a window that ended before them but after today shows whose clock the API reads.

const DAY = 86_400_000;
const soon = new Date(Date.now() + 2 * DAY);
const monthEnd = new Date(Date.UTC(soon.getUTCFullYear(), soon.getUTCMonth() + 1, 0, 23, 30)); // day 0 of the next month: this one's last
const pastMidnight = new Date(Date.UTC(soon.getUTCFullYear(), soon.getUTCMonth(), soon.getUTCDate(), 0, 5));
const edges = [monthEnd.toISOString(), pastMidnight.toISOString()];

describe.each(edges)('seeded at %s', (moment) => {
  let api: AppProcess;
  let http: ApiClient;
  let demo: DemoLogins;
  const lines: string[] = [];

  beforeAll(async () => {
    ({ app: api, http } = await startApi({ CLOCK_START: moment }));
    demo = await seedDemo(api.url, BOOTSTRAP, planDemo(), { clock: new ShiftedClock(new Date(moment)), log: (line) => lines.push(line) });
  }, 120_000);
  afterAll(() => api?.stop());

  it('gives a dispatcher technicians on shift, sites with geofences and jobs due from now to tomorrow', async () => {
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
    const ends = jobs.items.map((j: { window: { end: string } }) => Date.parse(j.window.end));
    expect(Math.min(...ends)).toBeGreaterThan(Date.parse(moment));
    expect(Math.max(...ends) - Date.parse(moment)).toBeGreaterThan(8 * 3_600_000); // tomorrow morning's

    // the API's clock is at the moment too: a window that ended an hour before it is in the past there
    const ended = { start: new Date(Date.parse(moment) - 3 * 3_600_000).toISOString(), end: new Date(Date.parse(moment) - 3_600_000).toISOString() };
    const refused = await dispatcher.post('/jobs', { title: 'Too late', window: ended });
    expect(refused).toMatchObject({ status: 400, body: { code: 'WINDOW_IN_PAST' } });
  });

  it('gives the technician login their own technician with a job to do', async () => {
    const technician = http.as(await login(http, demo.technician.email, demo.technician.password));
    const mine = await must(technician.get(`/jobs?technicianId=${demo.technicianIds[0]}`));
    expect(mine.items.map((j: { status: string }) => j.status)).toEqual(['assigned']);
    expect((await technician.get(`/technicians/${demo.technicianIds[1]}/track?from=2031-01-01T00:00:00Z&to=2031-01-02T00:00:00Z`)).status).toBe(404);
  });
});

describe('a seed cut off half way', () => {
  let api: AppProcess;
  let http: ApiClient;
  beforeAll(async () => ({ app: api, http } = await startApi()), 60_000);
  afterAll(() => api?.stop());

  it('is completed by the next run of the same plan: one tenant, nothing twice, logins that work', async () => {
    const plan = planDemo();
    const clock = new SystemClock();
    // The API goes away after the tenant, users, technicians and two sites exist (fetch fails on the third site).
    let sites = 0;
    const cut = new Error('the API went away');
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST' && String(url).endsWith('/sites') && ++sites === 3) throw cut;
      return realFetch(url, init);
    }) as typeof fetch;
    let saved: typeof plan | undefined;
    try {
      await expect(seedDemo(api.url, BOOTSTRAP, plan, { clock, onTenant: (p) => (saved = p) })).rejects.toBe(cut);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(saved?.tenantId).toMatch(/^tnt_/);

    const demo = await seedDemo(api.url, BOOTSTRAP, saved!, { clock });
    expect(demo.tenantId).toBe(saved!.tenantId);
    const dispatcher = http.as(await login(http, demo.dispatcher.email, demo.dispatcher.password));
    expect((await must(dispatcher.get('/sites?limit=50'))).items).toHaveLength(8);
    expect((await must(dispatcher.get('/geofences?limit=50'))).items).toHaveLength(8);
    expect((await must(dispatcher.get('/jobs?limit=50'))).items).toHaveLength(8);
    expect((await must(dispatcher.get('/technicians?limit=50'))).items).toHaveLength(6);

    // and a run of a plan whose tenant was made but not yet saved finds it instead of making another
    const again = await seedDemo(api.url, BOOTSTRAP, { ...saved!, tenantId: undefined }, { clock });
    expect(again.tenantId).toBe(saved!.tenantId);
    expect((await must(dispatcher.get('/jobs?limit=50'))).items).toHaveLength(8);
  }, 120_000);

  it('knows whether saved logins still work (npm run up reuses them, or seeds again after a wipe)', async () => {
    const demo = await seedDemo(api.url, BOOTSTRAP, planDemo(), { clock: new SystemClock() });
    await expect(loginWorks(api.url, demo.dispatcher)).resolves.toBe(true);
    await expect(loginWorks(api.url, { ...demo.dispatcher, password: 'not-the-password' })).resolves.toBe(false);
  }, 120_000);
});

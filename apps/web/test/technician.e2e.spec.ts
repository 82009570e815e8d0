import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AppProcess } from '../../../test/support/app-process';
import { startProjector } from '../../../test/support/projector';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant } from '../../../test/support/api';
import { startGateway, wsUrl } from '../../../test/support/realtime';
import { launchChromium, signedInPage } from './browser-support';
import { cspViolations } from './csp-watch';

// The technician's phone view in a real browser (Debian's chromium) against api, projector and realtime
// processes on the real stack: a job's sheet (site, customer, navigate, window in the phone's zone),
// my day in order, notes and history. Screenshots: .data/artifacts/technician/.

const artifacts = join(__dirname, '..', '..', '..', '.data', 'artifacts', 'technician');
const PHONE_ZONE = 'America/New_York'; // not the test machine's: the window must be shown in the phone's

let browser: Browser;
let api: AppProcess;
let http: ApiClient;
let gateway: AppProcess;
let projector: AppProcess;
let acme: Tenant;
let page: Page;
const jobs: Record<'first' | 'second', { id: string; window: { start: string; end: string } }> = {} as never;
let site: { id: string };

const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
const hoursFromNow = (from: number, to: number) => ({ start: new Date(Date.now() + from * 3600_000).toISOString(), end: new Date(Date.now() + to * 3600_000).toISOString() });

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  gateway = await startGateway();
  [{ app: api, http }, projector] = await Promise.all([
    startApi({ REALTIME_PUBLIC_URL: wsUrl(gateway) }),
    startProjector(`e2e-tech-${randomUUID().slice(0, 8)}`),
  ]);
  acme = await newTenant(http);
  await must(acme.technician.post(`/technicians/${acme.technicianId}/shift/start`));
  const customer = await must(acme.dispatcher.post('/customers', { name: 'Acme Bakery', phone: '+49 (30) 123-456' }));
  site = await must(acme.dispatcher.post('/sites', { name: 'Bakery Mitte', customerId: customer.id, address: 'Torstr. 1, 10119 Berlin', location: { lat: 52.529, lon: 13.401 } }));
  // created in the opposite order of their windows: my day sorts by window, not by arrival
  for (const [name, window] of [['second', hoursFromNow(3, 4)], ['first', hoursFromNow(-1, 2)]] as const) {
    const job = await must(acme.dispatcher.post('/jobs', { title: `Oven ${name}`, description: `The ${name} oven trips the breaker`, siteId: site.id, requiredSkills: ['hvac'], window }));
    await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
    jobs[name] = job;
  }
  browser = await launchChromium();
  page = await signedInPage(browser, api.url, acme.emails.technician, { viewport: { width: 390, height: 844 }, timezoneId: PHONE_ZONE, locale: 'en-US' });
}, 180_000);

afterEach(async () => {
  await shot('last').catch(() => undefined);
  expect(cspViolations(page)).toEqual([]);
});

afterAll(async () => {
  await page?.context().close().catch(() => undefined);
  await browser?.close();
  await Promise.all([api?.stop(), gateway?.stop(), projector?.stop()]);
});

it('lists my day in window order, each window in the phone’s time zone', async () => {
  await page.locator(`[data-testid=my-job][data-job="${jobs.second.id}"]`).waitFor();
  const order = await page.locator('[data-testid=my-day] > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-job')));
  expect(order).toEqual([jobs.first.id, jobs.second.id]);
  const parts = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: PHONE_ZONE }).formatToParts(new Date(jobs.first.window.start));
  const startHere = `${parts.find((p) => p.type === 'hour')!.value}:${parts.find((p) => p.type === 'minute')!.value}`;
  await expect(page.locator(`[data-job="${jobs.first.id}"] .muted`).first().textContent()).resolves.toMatch(new RegExp(`\\b${startHere} .*(EST|EDT)$`));
  await shot('01-my-day');
});

it('opens a job: site and address, the customer to call, skills, navigate by geo: and a maps link', async () => {
  const card = page.locator(`[data-job="${jobs.first.id}"]`);
  await card.getByTestId('open-detail').click();
  await card.getByTestId('job-site').filter({ hasText: 'Torstr. 1, 10119 Berlin' }).waitFor();
  await expect(card.getByTestId('job-description').textContent()).resolves.toBe('The first oven trips the breaker');
  await expect(card.getByTestId('job-skills').textContent()).resolves.toBe('hvac');
  await expect(card.getByTestId('call-customer').getAttribute('href')).resolves.toBe('tel:+4930123456');
  await expect(card.getByTestId('navigate-geo').getAttribute('href')).resolves.toBe('geo:52.529,13.401?q=52.529,13.401(Bakery%20Mitte)');
  await expect(card.getByTestId('navigate-maps').getAttribute('href')).resolves.toBe('https://www.google.com/maps/dir/?api=1&destination=52.529%2C13.401');
  await card.locator('[data-testid=my-job-history] li', { hasText: 'assigned' }).waitFor();
  await shot('02-job-sheet');
});

it('adds a note, shown on the sheet and in the history', async () => {
  const card = page.locator(`[data-job="${jobs.first.id}"]`);
  await card.getByTestId('note-text').fill('Side door is locked, use the yard');
  await card.getByTestId('add-note').click();
  await card.locator('[data-testid=job-notes] li', { hasText: 'Side door is locked' }).waitFor();
  await card.locator('[data-testid=my-job-history] li', { hasText: 'note added' }).waitFor();
  const detail = await must(acme.dispatcher.get(`/jobs/${jobs.first.id}/detail`));
  expect(detail.notes.map((n: { text: string }) => n.text)).toEqual(['Side door is locked, use the yard']);
});

it('keeps a completed job on my day, in its place, marked done', async () => {
  const card = page.locator(`[data-job="${jobs.first.id}"]`);
  for (const command of ['travel', 'arrive', 'complete']) {
    await card.locator(`[data-testid=step][data-command=${command}]`).click();
    await card.locator(`[data-testid=step]:not([data-command=${command}])`).or(page.locator(`[data-testid=my-done-job][data-job="${jobs.first.id}"]`)).first().waitFor();
  }
  await page.locator(`[data-testid=my-done-job][data-job="${jobs.first.id}"]`).waitFor();
  const order = await page.locator('[data-testid=my-day] > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-job')));
  expect(order).toEqual([jobs.first.id, jobs.second.id]);
  await shot('03-done');
});

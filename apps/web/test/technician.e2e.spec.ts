import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AppProcess } from '../../../test/support/app-process';
import { startProjector } from '../../../test/support/projector';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant } from '../../../test/support/api';
import { startGateway, wsUrl } from '../../../test/support/realtime';
import { photo } from '../../../test/support/proofs';
import { launchChromium, signedInPage } from './browser-support';
import { cspViolations } from './csp-watch';

// The technician's phone view in a real browser (Debian's chromium) against api, projector and realtime
// processes on the real stack: a job's sheet (site, customer, navigate, window in the phone's zone),
// my day in order, notes and history; proof of service (a photo, a signature drawn on the canvas) seen
// by the dispatcher; and with no signal, status and note queued and sent once each when it is back.
// Screenshots: .data/artifacts/technician/.

const artifacts = join(__dirname, '..', '..', '..', '.data', 'artifacts', 'technician');
const PHONE_ZONE = 'America/New_York'; // not the test machine's: the window must be shown in the phone's

let browser: Browser;
let api: AppProcess;
let http: ApiClient;
let gateway: AppProcess;
let projector: AppProcess;
let acme: Tenant;
let page: Page;
const jobs: Record<'first' | 'second' | 'third', { id: string; window: { start: string; end: string } }> = {} as never;
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
  for (const [name, window] of [['third', hoursFromNow(5, 6)], ['second', hoursFromNow(3, 4)], ['first', hoursFromNow(-1, 2)]] as const) {
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
  for (const context of browser?.contexts() ?? []) await context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([api?.stop(), gateway?.stop(), projector?.stop()]);
});

it('lists my day in window order, each window in the phone’s time zone', async () => {
  for (const job of Object.values(jobs)) await page.locator(`[data-testid=my-job][data-job="${job.id}"]`).waitFor();
  const order = await page.locator('[data-testid=my-day] > li').evaluateAll((items) => items.map((li) => li.getAttribute('data-job')));
  expect(order).toEqual([jobs.first.id, jobs.second.id, jobs.third.id]);
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
  expect(order).toEqual([jobs.first.id, jobs.second.id, jobs.third.id]);
  await shot('03-done');
});

it('takes a photo and the customer’s signature on site; the dispatcher sees both on the job', async () => {
  const card = page.locator(`[data-job="${jobs.second.id}"]`);
  for (const command of ['travel', 'arrive']) {
    await card.locator(`[data-testid=step][data-command=${command}]`).click();
    await card.locator(`[data-testid=step]:not([data-command=${command}])`).waitFor();
  }
  await card.getByTestId('open-detail').click();
  await card.getByTestId('photo-input').setInputFiles({ name: 'boiler.jpg', mimeType: 'image/jpeg', buffer: await photo(1200, 900) });
  const pad = card.getByTestId('signature-pad');
  const box = (await pad.boundingBox())!;
  await page.mouse.move(box.x + 20, box.y + box.height * 0.7);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 20 + i * ((box.width - 40) / 20), box.y + box.height * (0.7 - 0.4 * Math.sin(i / 3)));
  await page.mouse.up();
  await card.getByTestId('signed-by').fill('Ada Customer');
  await card.getByTestId('save-signature').click();
  await card.locator('[data-testid=proof]').nth(1).waitFor({ timeout: 20_000 });
  await shot('04-proof');
  const proofs = await must(acme.dispatcher.get(`/jobs/${jobs.second.id}/proofs`));
  expect(proofs.items.map((p: { kind: string; contentType: string; signedBy?: string }) => [p.kind, p.contentType, p.signedBy])).toEqual([
    ['photo', 'image/jpeg', undefined],
    ['signature', 'image/png', 'Ada Customer'],
  ]);

  const office = await signedInPage(browser, api.url, acme.emails.dispatcher);
  await office.locator(`[data-testid=job-card][data-job="${jobs.second.id}"]`).click();
  await office.locator('[data-testid=job-detail] [data-testid=proof]').nth(1).waitFor({ timeout: 20_000 });
  await expect(office.locator('[data-testid=job-detail] [data-testid=proof][data-kind=signature]').getAttribute('alt')).resolves.toBe('Signed by Ada Customer');
  await office.screenshot({ path: join(artifacts, '05-dispatcher-proof.png') });
  expect(cspViolations(office)).toEqual([]);
});

it('is an installable app whose service worker keeps the shell', async () => {
  // evaluated in the page (these tests compile without the DOM library: browser globals through `globalThis`)
  const manifest = await page.evaluate(async () => {
    const { document } = globalThis as unknown as { document: { querySelector(selector: string): { href: string } | null } };
    return (await fetch(document.querySelector('link[rel=manifest]')!.href)).json();
  });
  expect(manifest).toMatchObject({ start_url: '/app/', display: 'standalone', icons: expect.arrayContaining([expect.objectContaining({ sizes: '512x512' })]) });
  const scope = await page.evaluate(async () => (await (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<{ scope: string }> } } }).navigator.serviceWorker.ready).scope);
  expect(scope).toBe(`${api.url}/app/`);
  const kept = await page.evaluate(async () => {
    const { caches } = globalThis as unknown as { caches: { keys(): Promise<string[]>; open(name: string): Promise<{ keys(): Promise<{ url: string }[]> }> } };
    return (await caches.keys()).length > 0 && (await (await caches.open('fieldline-shell-v1')).keys()).some((r) => /\/app\/assets\/.+\.js$/.test(r.url));
  });
  expect(kept).toBe(true);
});

it('with no signal, queues a status change and a note, and sends each exactly once, in order, when the signal is back', async () => {
  const card = page.locator(`[data-job="${jobs.third.id}"]`);
  await card.getByTestId('open-detail').click();
  await page.context().setOffline(true);
  await card.locator('[data-testid=step][data-command=travel]').click();
  await card.getByTestId('queued-step').waitFor();
  await card.getByTestId('note-text').fill('Parked behind the building');
  await card.getByTestId('add-note').click();
  await card.getByTestId('note-waiting').waitFor();
  await expect(page.getByTestId('outbox').getAttribute('data-pending')).resolves.toBe('2');
  await page.waitForTimeout(1_000); // still nothing can go out
  await expect(page.getByTestId('outbox').getAttribute('data-pending')).resolves.toBe('2');
  await shot('06-offline-queued');
  expect((await must(acme.dispatcher.get(`/jobs/${jobs.third.id}`))).status).toBe('assigned');

  await page.context().setOffline(false);
  await page.getByTestId('outbox').waitFor({ state: 'detached', timeout: 30_000 });
  await card.locator('[data-testid=step][data-command=arrive]').waitFor({ timeout: 30_000 });
  await card.locator('[data-testid=job-notes] li', { hasText: 'Parked behind the building' }).waitFor();
  await shot('07-back-online');
  const history = await must(acme.dispatcher.get(`/jobs/${jobs.third.id}/events`));
  const after = history.events.map((e: { type: string }) => e.type).slice(2); // created, assigned
  expect(after).toEqual(['job.travel_started', 'job.note_added']);
});

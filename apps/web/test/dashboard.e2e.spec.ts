import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { eventually, fixEvent, produce } from '../../../test/support/events';
import type { AppProcess } from '../../../test/support/app-process';
import { type Harness, harness, startProjector } from '../../../test/support/projector';
import type { ApiClient } from '../../../test/support/api-client';
import { login, must, newTenant, PASSWORD, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';
import { startGateway, wsUrl } from '../../../test/support/realtime';
import { launchChromium, renderedFeatures, signedInPage } from './browser-support';
import { cspViolations } from './csp-watch';

// The dashboard and the technician view in a real browser (Debian's chromium through playwright-core)
// against the real stack: api (serving the pages), projector and realtime as processes, Kafka, Redis,
// TimescaleDB. Every step leaves a screenshot in .data/artifacts/dashboard/.

const artifacts = join(__dirname, '..', '..', '..', '.data', 'artifacts', 'dashboard');
const BASE = { lat: 52.52, lon: 13.405 };
const north = (m: number) => ({ lat: BASE.lat + m / 111_195, lon: BASE.lon });

let browser: Browser;
let api: AppProcess;
let http: ApiClient;
let gateway: AppProcess;
let projector: AppProcess;
let h: Harness;
let acme: Tenant;
let secondDispatcher: string;
let jobId: string;
let seq = 0;
const contexts: BrowserContext[] = [];
const pages: Record<'dispatcher' | 'second' | 'technician', Page> = {} as never;

const shot = async (page: Page, name: string) => {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
};

async function open(email: string, viewport = { width: 1400, height: 900 }): Promise<Page> {
  const page = await signedInPage(browser, api.url, email, { viewport });
  contexts.push(page.context());
  return page;
}

/** The dispatcher's API client with a fresh token (they last a minute here). */
const asDispatcher = async () => http.as(await login(http, acme.emails.dispatcher));

const fix = (metres: number, at = new Date()) => {
  const p = north(metres);
  return fixEvent(acme.tenantId, acme.technicianId, 'dev-web-1', ++seq, at, p.lat, p.lon, 8);
};

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  h = await harness();
  gateway = await startGateway();
  [{ app: api, http }, projector] = await Promise.all([
    // a one-minute access token: the pages must renew it on their socket to stay connected
    startApi({ REALTIME_PUBLIC_URL: wsUrl(gateway), ACCESS_TOKEN_TTL_SECONDS: '60' }),
    startProjector(`e2e-web-${randomUUID().slice(0, 8)}`, { GEOFENCE_DWELL_S: '2' }),
  ]);
  acme = await newTenant(http);
  secondDispatcher = `disp2-${randomUUID().slice(0, 6)}@e2e.example`;
  await must(acme.admin.post('/users', { email: secondDispatcher, name: 'Second Dispatcher', role: 'dispatcher', password: PASSWORD }));
  await must(acme.technician.post(`/technicians/${acme.technicianId}/shift/start`));
  const site = await must(acme.dispatcher.post('/sites', { name: 'Bakery Mitte', address: 'Torstr. 1', location: north(600) }));
  await must(acme.dispatcher.post('/geofences', { name: 'Bakery yard', siteId: site.id, shape: { kind: 'circle', center: north(600), radiusM: 80 } }));
  const job = await must(acme.dispatcher.post('/jobs', { title: 'Oven does not heat', requiredSkills: ['hvac'], siteId: site.id, location: north(600), window: windowAroundNow() }));
  jobId = job.id;
  await produce(h.producer, [fix(0)]);
  await eventually('the first fix on the board', async () => ((await acme.dispatcher.get('/board/positions')).body.items?.length === 1 ? true : undefined));
  browser = await launchChromium();
}, 180_000);

// the pages as they were when each test ended (the first thing to look at when one fails); and nothing
// the pages did was refused by the API's Content-Security-Policy
afterEach(async () => {
  for (const [name, page] of Object.entries(pages)) await shot(page, `last-${name}`).catch(() => undefined);
  expect(Object.entries(pages).flatMap(([name, page]) => cspViolations(page).map((v) => `${name}: ${v}`))).toEqual([]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([api?.stop(), gateway?.stop(), projector?.stop()]);
  await h?.close();
});

it('logs in and shows the technicians moving on the map', async () => {
  pages.dispatcher = await open(acme.emails.dispatcher);
  const marker = pages.dispatcher.locator(`[data-technician="${acme.technicianId}"]`).first();
  await expect(marker.getAttribute('data-lat')).resolves.toBe(String(north(0).lat));
  await shot(pages.dispatcher, '01-dispatcher-map');

  await produce(h.producer, [fix(150)]);
  await pages.dispatcher.locator(`[data-technician="${acme.technicianId}"][data-lat="${north(150).lat}"]`).waitFor();
  await produce(h.producer, [fix(300)]);
  await pages.dispatcher.locator(`[data-technician="${acme.technicianId}"][data-lat="${north(300).lat}"]`).waitFor();
  // a trail of where they were, drawn on the map
  await eventually('the trail drawn', async () => ((await renderedFeatures(pages.dispatcher, ['trails'])).some((f) => f.technicianId === acme.technicianId) ? true : undefined), 10_000);
  await shot(pages.dispatcher, '02-technician-moved');
});

it('assigns a job on one dispatcher page; the second dispatcher and the technician see it', async () => {
  pages.second = await open(secondDispatcher);
  pages.technician = await open(acme.emails.technician, { width: 390, height: 844 });
  const first = pages.dispatcher;
  await first.locator(`[data-testid=column-unassigned] [data-job="${jobId}"]`).waitFor();
  await pages.second.locator(`[data-testid=column-unassigned] [data-job="${jobId}"]`).waitFor();
  await expect(pages.technician.locator('[data-testid=my-job]').count()).resolves.toBe(0);

  await first.locator(`[data-testid=job-card][data-job="${jobId}"]`).click();
  const candidate = first.locator(`[data-testid=candidate][data-technician="${acme.technicianId}"]`);
  await candidate.waitFor();
  await expect(candidate.textContent()).resolves.toMatch(/0\.\d km · ETA \d+ min/); // nearest first, with distance and ETA
  await shot(first, '03-assign-candidates');
  await candidate.click();

  await first.locator('[data-testid=job-status]', { hasText: 'assigned' }).waitFor();
  await pages.second.locator(`[data-testid=column-assigned] [data-job="${jobId}"]`).waitFor();
  await pages.technician.locator(`[data-testid=my-job][data-job="${jobId}"]`).waitFor();
  await shot(first, '04-assigned-dispatcher');
  await shot(pages.second, '05-assigned-second-dispatcher');
  await shot(pages.technician, '06-assigned-technician');

  // no qualified candidate is offered; dropping the card on the technician anyway is refused, and says why
  const other = await must((await asDispatcher()).post('/jobs', { title: 'Rewire the panel', requiredSkills: ['electrical'], location: north(700), window: windowAroundNow() }));
  const card = pages.second.locator(`[data-testid=job-card][data-job="${other.id}"]`);
  await card.click();
  await pages.second.getByText('No qualified technician is available nearby').waitFor();
  await card.dragTo(pages.second.locator(`[data-technician="${acme.technicianId}"] .dot`));
  const refusal = pages.second.locator('[data-testid=notice].error', { hasText: 'Could not assign Rewire the panel' });
  await refusal.waitFor();
  await expect(refusal.textContent()).resolves.toMatch(/skill/i);
  await shot(pages.second, '07-refused-skills');
});

it('lists people with presence: the technician online while their page is open', async () => {
  const page = pages.dispatcher;
  await page.getByTestId('tab-people').click();
  await page.locator(`[data-testid=person][data-technician="${acme.technicianId}"][data-presence=online]`).waitFor();
  await page.locator('[data-testid=office-person][data-presence=online]', { hasText: 'You' }).waitFor();
  await shot(page, '07b-people');
  await page.getByTestId('tab-board').click();
});

it('chats between the dispatcher and the technician with typing and read receipts', async () => {
  const [office, tech] = [pages.dispatcher, pages.technician];
  await tech.locator(`[data-job="${jobId}"] [data-testid=open-chat]`).click();
  await tech.locator('[data-testid=chat-input]').pressSequentially('On my w', { delay: 30 });
  await office.locator('[data-testid=typing]', { hasText: 'technician is typing' }).waitFor();

  await office.locator('[data-testid=chat-input]').fill('Gate code is 4711');
  await office.locator('[data-testid=chat-input]').press('Enter');
  await tech.locator('[data-testid=chat-message]', { hasText: 'Gate code is 4711' }).waitFor();
  await office.locator('[data-testid=receipt][data-receipt=read]').waitFor();
  await tech.locator('[data-testid=chat-input]').fill('On my way, 10 minutes');
  await tech.locator('[data-testid=chat-input]').press('Enter');
  await office.locator('[data-testid=chat-message]', { hasText: 'On my way, 10 minutes' }).waitFor();
  await shot(office, '08-chat-dispatcher');
  await shot(tech, '09-chat-technician');
});

it('recovers after a network loss without a reload and shows what it missed', async () => {
  const page = pages.dispatcher;
  await page.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));
  await page.context().setOffline(true);
  await page.locator('[data-testid=connection][data-state=offline]').waitFor();
  await shot(page, '10-offline');

  const missed = await must((await asDispatcher()).post('/jobs', { title: 'Created while offline', requiredSkills: ['hvac'], window: windowAroundNow() }));
  await produce(h.producer, [fix(450)]);
  await eventually('the changes in the feed', async () => {
    const feed = await must((await asDispatcher()).get('/feed?after=0-0'));
    return feed.entries.some((e: { subjectId: string }) => e.subjectId === missed.id) ? true : undefined;
  });

  await page.context().setOffline(false);
  await page.locator('[data-testid=connection][data-state=open]').waitFor({ timeout: 30_000 });
  await page.locator(`[data-testid=column-unassigned] [data-job="${missed.id}"]`).waitFor();
  await page.locator(`[data-technician="${acme.technicianId}"][data-lat="${north(450).lat}"]`).waitFor();
  await page.locator('[data-testid=notice]', { hasText: /caught up/ }).waitFor();
  await expect(page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).resolves.toBe(true); // the same page, not reloaded
  await shot(page, '11-back-online');
});

it('plays a technician’s track back with a scrubber and exports it as GPX', async () => {
  const page = pages.dispatcher;
  await page.getByTestId('tab-playback').click();
  await page.getByTestId('playback-technician').selectOption(acme.technicianId);
  await page.getByTestId('playback-load').click();
  const count = Number((await page.getByTestId('playback-count').textContent())!.split(' ')[0]);
  expect(count).toBe(4); // the fixes at 0, 150, 300 and 450 m, each once
  await page.getByTestId('playback-scrubber').fill('0');
  await expect(page.getByTestId('playback-time').textContent()).resolves.toContain(north(0).lat.toFixed(5));
  await page.getByTestId('playback-cursor').waitFor();
  await shot(page, '12-playback');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('playback-gpx').click()]);
  const gpx = await (await download.createReadStream()).toArray();
  const text = Buffer.concat(gpx).toString('utf8');
  expect(text).toContain('<gpx version="1.1"');
  expect(text.match(/<trkpt /g)).toHaveLength(count);
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByTestId('tab-board').click();
});

it('shares the technician’s browser location; the dispatcher sees it on the map', async () => {
  const context = pages.technician.context();
  const here = north(520);
  await context.grantPermissions(['geolocation'], { origin: api.url });
  await context.setGeolocation({ latitude: here.lat, longitude: here.lon, accuracy: 8 });
  await pages.technician.getByTestId('share-location').check();
  await pages.dispatcher.locator(`[data-technician="${acme.technicianId}"][data-lat="${here.lat}"]`).waitFor();
  await shot(pages.technician, '12b-sharing-location');
  await pages.technician.getByTestId('share-location').uncheck();
});

it('shows each status the technician sets (en route, on site, completed) and the alerts on the way', async () => {
  const [office, tech] = [pages.dispatcher, pages.technician];
  await tech.locator(`[data-job="${jobId}"] [data-testid=open-chat]`).click(); // close the chat again
  const steps = [
    { command: 'travel', column: 'en_route' },
    { command: 'arrive', column: 'on_site' },
    { command: 'complete', column: 'completed' },
  ];
  for (const [i, { command, column }] of steps.entries()) {
    await tech.locator(`[data-job="${jobId}"] [data-testid=step][data-command=${command}]`).click();
    await office.locator(`[data-testid=column-${column}] [data-job="${jobId}"]`).waitFor();
    await pages.second.locator(`[data-testid=column-${column}] [data-job="${jobId}"]`).waitFor();
    await shot(tech, `${13 + i * 2}-technician-${column}`);
    await shot(office, `${14 + i * 2}-dispatcher-${column}`);
    if (command === 'travel') {
      // en route, they drive into the site's geofence and stay past the dwell: entered, and the arrival hint
      const now = Date.now();
      await produce(h.producer, [fix(600, new Date(now + 500)), fix(600, new Date(now + 3_000))]);
      await office.getByTestId('tab-alerts').click();
      await office.locator('[data-testid=alert][data-type="tracking.geofence_entered"]').waitFor();
      await office.locator('[data-testid=alert][data-type="tracking.arrival_detected"]', { hasText: 'Tech arrived at the site of Oven does not heat' }).waitFor();
      await shot(office, '14b-alerts');
      await office.getByTestId('tab-board').click();
    }
  }
  await expect(tech.locator(`[data-testid=my-job][data-job="${jobId}"]`).count()).resolves.toBe(0); // done: off the technician's list
  const history = await office.locator('[data-testid=job-history] li').allTextContents();
  expect(history.join('\n')).toMatch(/created[\s\S]*assigned[\s\S]*travel[\s\S]*arrived[\s\S]*completed/);
});

it('stays on the same connection past the access token’s lifetime (renewed on the socket, not by reconnecting)', async () => {
  const badge = pages.second.getByTestId('connection');
  const since = await badge.getAttribute('data-since');
  const openedAt = Number(since);
  // past one whole token lifetime after this connection opened
  await new Promise((r) => setTimeout(r, Math.max(0, openedAt + 65_000 - Date.now())));
  await expect(badge.getAttribute('data-state')).resolves.toBe('open');
  await expect(badge.getAttribute('data-since')).resolves.toBe(since);
  // and it is live: a job created now arrives
  const fresh = await must((await asDispatcher()).post('/jobs', { title: 'After the token turned over', requiredSkills: [], window: windowAroundNow() }));
  await pages.second.locator(`[data-testid=job-card][data-job="${fresh.id}"]`).waitFor();
}, 120_000);

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';
import { eventually } from '../../../test/support/events';
import { newVapidKeyFile, type PushReceiver, startPushReceiver } from '../../../test/support/push-receiver';
import { startProjector } from '../../../test/support/projector';
import { startGateway, wsUrl } from '../../../test/support/realtime';
import { launchChromium, signedInPage } from './browser-support';
import { cspViolations } from './csp-watch';

// The service worker's half of Web Push in Chromium. A browser's push service is on the internet, so the
// message is handed to the worker through the DevTools protocol (ServiceWorker.deliverPushMessage), as
// the browser would after decrypting it; and the one delivered is what the API really sent for an
// assignment, decrypted by the local push service of test/support/push-receiver.ts. Screenshots:
// .data/artifacts/push/.

const artifacts = join(__dirname, '..', '..', '..', '.data', 'artifacts', 'push');

let browser: Browser;
let api: AppProcess;
let http: ApiClient;
let gateway: AppProcess;
let projector: AppProcess;
let receiver: PushReceiver;
let acme: Tenant;
let page: Page;
let cdp: CDPSession;
const registrations = new Map<string, string>(); // scope URL → registration id

interface Shown {
  title: string;
  body: string;
  tag: string;
  requireInteraction: boolean;
  data: { url: string; alert?: string };
}

/** The page's service worker registration, as far as these tests use it (they are compiled without DOM types). */
type PageGlobals = { navigator: { serviceWorker: { ready: Promise<{ getNotifications(): Promise<(Shown & { data: unknown })[]> }> } } };

/** The notifications the page's service worker registration shows now. */
const shown = (): Promise<Shown[]> =>
  page.evaluate(async () => {
    const registration = await (globalThis as unknown as PageGlobals).navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction, data: n.data as Shown['data'] }));
  });

async function deliver(message: unknown): Promise<void> {
  const registrationId = registrations.get(`${api.url}/app/`);
  if (!registrationId) throw new Error(`no service worker registration for ${api.url}/app/ (have: ${[...registrations.keys()].join(', ')})`);
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: api.url, registrationId, data: JSON.stringify(message) });
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  receiver = await startPushReceiver();
  gateway = await startGateway();
  // the projector keeps the boards the page shows (the clicked job must be on the technician's list)
  projector = await startProjector(`e2e-push-web-${randomUUID().slice(0, 8)}`);
  ({ app: api, http } = await startApi({
    REALTIME_PUBLIC_URL: wsUrl(gateway),
    VAPID_PRIVATE_KEY_FILE: newVapidKeyFile(),
    VAPID_SUBJECT: 'mailto:ops@fieldline.test',
    PUSH_ALLOWED_HOSTS: '127.0.0.1',
    PUSH_ALLOW_HTTP: '1',
    PUSH_CONSUMER_GROUP: `e2e-push-web-${randomUUID()}`,
  }));
  acme = await newTenant(http);
  browser = await launchChromium();
  // headless Chromium has no one to ask: the permission is the context's
  page = await signedInPage(browser, api.url, acme.emails.technician, { viewport: { width: 390, height: 844 }, permissions: ['notifications'] });
  await page.evaluate(async () => void (await (globalThis as unknown as PageGlobals).navigator.serviceWorker.ready));
  cdp = await page.context().newCDPSession(page);
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
    for (const r of updated) {
      if (r.isDeleted) registrations.delete(r.scopeURL);
      else registrations.set(r.scopeURL, r.registrationId);
    }
  });
  await cdp.send('ServiceWorker.enable');
  await eventually('the registration over CDP', async () => registrations.get(`${api.url}/app/`));
}, 180_000);

afterEach(async () => {
  await page.screenshot({ path: join(artifacts, 'last.png'), fullPage: true }).catch(() => undefined);
  expect(cspViolations(page)).toEqual([]);
});

afterAll(async () => {
  for (const context of browser?.contexts() ?? []) await context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([api?.stop(), gateway?.stop(), projector?.stop(), receiver?.close()]);
});

it('shows what the API sent for an assignment, and a newer message about the same job replaces it', async () => {
  // the API's half: a subscription on the local push service, for this technician
  const phone = receiver.subscribe();
  await must(acme.technician.post('/push/subscriptions', phone.json));
  const job = await must(acme.dispatcher.post('/jobs', { title: 'Boiler pressure drop', requiredSkills: [], window: windowAroundNow(4) }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  const sent = await eventually('the assignment at the push service', async () => receiver.deliveries.find((d) => d.message !== undefined));
  expect(sent.error).toBeUndefined();

  await deliver(sent.message);
  const [assigned] = await eventually('the notification', async () => ((await shown()).length > 0 ? shown() : undefined));
  expect(assigned).toEqual({ title: 'Job assigned to you', body: 'Boiler pressure drop', tag: `job:${job.id}`, requireInteraction: false, data: expect.objectContaining({ url: `/app/?job=${job.id}`, alert: 'job.assigned' }) });

  await deliver({ ...(sent.message as object), title: 'Your job changed', body: 'Boiler pressure drop: priority now urgent', alert: 'job.changed' });
  await eventually('the replacement', async () => ((await shown()).some((n) => n.title === 'Your job changed') ? true : undefined));
  expect(await shown()).toEqual([expect.objectContaining({ tag: `job:${job.id}`, body: 'Boiler pressure drop: priority now urgent' })]);
});

it('keeps a ringing call up until it is answered, and shows even a message that is not ours', async () => {
  await deliver({ alert: 'call.incoming', title: 'Incoming call', body: 'Dispatch is calling', tag: 'call:call_1', url: '/app/' });
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: api.url, registrationId: registrations.get(`${api.url}/app/`)!, data: 'plain text' });
  const all = await eventually('both notifications', async () => {
    const now = await shown();
    return now.some((n) => n.tag === 'call:call_1') && now.some((n) => n.body === 'plain text') ? now : undefined;
  });
  expect(all.find((n) => n.tag === 'call:call_1')).toMatchObject({ title: 'Incoming call', requireInteraction: true });
  expect(all.find((n) => n.body === 'plain text')).toMatchObject({ title: 'Fieldline', data: { url: '/app/' } });
});

it("a notification's click opens the page on its job", async () => {
  // after the first job's window: no double booking
  const window = { start: new Date(Date.now() + 5 * 3600_000).toISOString(), end: new Date(Date.now() + 6 * 3600_000).toISOString() };
  const job = await must(acme.dispatcher.post('/jobs', { title: 'Leaking valve', requiredSkills: [], window }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  const [worker] = page.context().serviceWorkers();
  if (!worker) throw new Error('no service worker in the context');
  // notificationclick's own step (a script cannot dispatch a trusted click): the page is focused and navigated
  await worker.evaluate((url) => (globalThis as unknown as { openPage(url: string): Promise<unknown> }).openPage(url), `/app/?job=${job.id}`);
  await page.waitForURL(`${api.url}/app/?job=${job.id}`);
  await page.locator(`[data-job="${job.id}"]`).getByText('Hide details').waitFor({ timeout: 30_000 });
  // another origin is never opened
  await worker.evaluate(() => (globalThis as unknown as { openPage(url: string): Promise<unknown> }).openPage('https://example.com/'));
  expect(page.context().pages().map((p) => p.url())).toEqual([`${api.url}/app/?job=${job.id}`]);
});

it('asks for permission from the button and says so when the browser has no push service to subscribe with', async () => {
  await page.getByTestId('push-enable').click();
  // this Chromium has no push service on a closed network: subscribe() fails, and the page says why
  // (with a push service, the subscription is posted to the API: apps/api/test/push.e2e.spec.ts)
  const notice = page.getByTestId('notice').filter({ hasText: 'Notifications' });
  await notice.waitFor();
  expect(await notice.textContent()).toMatch(/push service did not answer/);
  expect(await page.evaluate(() => (globalThis as unknown as { Notification: { permission: string } }).Notification.permission)).toBe('granted');
});

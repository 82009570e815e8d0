import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppProcess } from '../../../test/support/app-process';
import { eventually } from '../../../test/support/events';
import { newTenant, startApi, type Tenant } from '../../../test/support/api';
import { startGateway, wsUrl } from '../../../test/support/realtime';
import { launchChromium, signedInPage } from './browser-support';
import { cspViolations, watchCsp } from './csp-watch';
import { type OtherOrigin, otherOrigin } from './tile-server';

// The API's hardening as a real browser meets it: the dashboard works under its Content-Security-Policy
// with the map's style and tiles from another origin (they arrive, with the page's origin as referrer)
// and nothing is refused; what the policy does not list is refused; Swagger UI renders under its own
// policy; CORS lets a listed origin read the API and not another.

let browser: Browser;
let api: AppProcess;
let gateway: AppProcess;
let tiles: OtherOrigin;
let stranger: OtherOrigin;
let acme: Tenant;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [tiles, stranger] = await Promise.all([otherOrigin(), otherOrigin()]);
  gateway = await startGateway();
  let http;
  ({ app: api, http } = await startApi({ REALTIME_PUBLIC_URL: wsUrl(gateway), MAP_STYLE_URL: tiles.styleUrl, CORS_ORIGINS: tiles.url }));
  acme = await newTenant(http);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([api?.stop(), gateway?.stop()]);
  for (const o of [tiles, stranger]) o?.close();
});

async function blankPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await watchCsp(page);
  return page;
}

it('answers the API without a banner and with the hardening headers', async () => {
  const response = await fetch(`${api.url}/health/live`);
  expect(response.headers.get('x-powered-by')).toBeNull();
  expect(response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('strict-transport-security')).toBeNull();
});

it('runs the dashboard under its policy: live socket, the map style and tiles from their origin, nothing refused', async () => {
  const page = await signedInPage(browser, api.url, acme.emails.dispatcher);
  contexts.push(page.context());
  await page.locator('[data-testid=map][data-base=remote]').waitFor();
  const tile = await eventually('a tile requested', async () => tiles.requests.find((r) => r.path.startsWith('/tiles/')), 15_000);
  expect(tile.headers.referer).toBe(`${api.url}/`); // the origin only (strict-origin-when-cross-origin)
  expect(cspViolations(page)).toEqual([]);

  // and the policy is there: a connection it does not list is refused, and reported
  const outcome = await page.evaluate((url) => fetch(url).then(() => 'loaded', () => 'refused'), `${stranger.url}/`);
  expect(outcome).toBe('refused');
  await eventually('the refusal reported', async () => (cspViolations(page).some((v) => v.includes('connect-src')) ? true : undefined), 5_000);
  expect(stranger.requests).toEqual([]);
});

it('renders Swagger UI under its own policy with nothing refused', async () => {
  const page = await blankPage();
  await page.goto(`${api.url}/docs`);
  await page.locator('.swagger-ui .info .title', { hasText: 'Fieldline API' }).waitFor();
  await page.locator('.opblock').first().waitFor();
  expect(cspViolations(page)).toEqual([]);
});

it('lets a listed origin read the API from the browser, and not another one', async () => {
  const call = (page: Page) => page.evaluate((url) => fetch(url, { headers: { 'content-type': 'application/json' } }).then((r) => r.status, (e: Error) => `refused: ${e.message}`), `${api.url}/config/web`);
  const listed = await blankPage();
  await listed.goto(`${tiles.url}/`);
  await expect(call(listed)).resolves.toBe(200); // a preflighted request (content-type: application/json)
  const other = await blankPage();
  await other.goto(`${stranger.url}/`);
  await expect(call(other)).resolves.toMatch(/^refused/);
});

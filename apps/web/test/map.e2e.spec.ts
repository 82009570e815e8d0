import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AppProcess } from '../../../test/support/app-process';
import { event, eventually, produce } from '../../../test/support/events';
import { type Harness, harness, startProjector } from '../../../test/support/projector';
import { must, newTenant, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';
import { startGateway, wsUrl } from '../../../test/support/realtime';
import { launchChromium, renderedFeatures, signedInPage } from './browser-support';
import { cspViolations } from './csp-watch';
import { type OtherOrigin, otherOrigin, TILE_RGB } from './tile-server';

// The dashboard's map (MapLibre GL on SwiftShader WebGL) with a street base map: MAP_STYLE_URL names a
// style on a local tile server (tile-server.ts) whose tiles are one colour, so the pixels around a
// technician show whether the tiles were drawn under them. Then following a technician, clustering
// when zoomed out, and the local base map when the style cannot be loaded. Each test leaves a
// screenshot in .data/artifacts/map/.

const artifacts = join(__dirname, '..', '..', '..', '.data', 'artifacts', 'map');

const BASE = { lat: 52.52, lon: 13.405 };
const north = (m: number) => ({ lat: BASE.lat + m / 111_195, lon: BASE.lon });

let browser: Browser;
let api: AppProcess;
let gateway: AppProcess;
let projector: AppProcess;
let h: Harness;
let tiles: OtherOrigin;
let acme: Tenant;
let page: Page;
let seq = 0;

const fix = (metres: number, extra: Record<string, unknown> = {}) => {
  const p = north(metres);
  return event('telemetry.location_reported', { deviceId: 'dev-map-1', subjectId: acme.technicianId, lat: p.lat, lon: p.lon, source: 'simulator', messageId: `map-${++seq}`, ...extra }, acme.tenantId, 'dev-map-1', { occurredAt: new Date().toISOString() });
};

/** Runs `code` with the page's MapLibre map as `map` (exposed by the view for tests). */
const onMap = <T>(code: string): Promise<T> => page.evaluate(`(map => ${code})(document.querySelector('[data-testid=map] .map-canvas').maplibre)`);

/** The screen's colour at (x, y), from a screenshot the page decodes (its CSP allows data: images). */
async function pixelAt(x: number, y: number): Promise<number[]> {
  const png = await page.screenshot({ clip: { x, y, width: 1, height: 1 } });
  return page.evaluate(`(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,${png.toString('base64')}';
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    return [...context.getImageData(0, 0, 1, 1).data.slice(0, 3)];
  })()`);
}
const near = (a: number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 8);

const marker = () => page.locator(`[data-technician="${acme.technicianId}"][data-lat]`);

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  h = await harness();
  tiles = await otherOrigin();
  gateway = await startGateway();
  let http;
  [{ app: api, http }, projector] = await Promise.all([startApi({ REALTIME_PUBLIC_URL: wsUrl(gateway), MAP_STYLE_URL: tiles.styleUrl }), startProjector(`e2e-map-${randomUUID().slice(0, 8)}`)]);
  acme = await newTenant(http);
  await must(acme.technician.post(`/technicians/${acme.technicianId}/shift/start`));
  await produce(h.producer, [fix(0)]);
  await eventually('the first fix on the board', async () => ((await acme.dispatcher.get('/board/positions')).body.items?.length === 1 ? true : undefined));
  browser = await launchChromium();
  page = await signedInPage(browser, api.url, acme.emails.dispatcher);
}, 180_000);

afterEach(async () => {
  await page.screenshot({ path: join(artifacts, `${expect.getState().currentTestName?.split(' ').slice(0, 3).join('-')}.png`) }).catch(() => undefined);
  expect(cspViolations(page)).toEqual([]);
});

afterAll(async () => {
  await page?.context().close();
  await browser?.close();
  await Promise.all([api?.stop(), gateway?.stop(), projector?.stop()]);
  await h?.close();
  tiles?.close();
});

it('draws the street tiles of MAP_STYLE_URL under the technicians', async () => {
  await page.locator('[data-testid=map][data-base=remote]').waitFor();
  await marker().waitFor();
  // at the zoom the map fitted to (street level: 15, whose 256 px tiles are zoom 16's), with the page's origin as referrer
  const tile = await eventually('tiles requested', async () => tiles.requests.find((r) => r.path.startsWith('/tiles/16/')), 15_000);
  expect(tile.headers.referer).toBe(`${api.url}/`);
  await eventually('every tile drawn', () => onMap<boolean>('map.loaded() && map.areTilesLoaded() || undefined'), 15_000);

  const box = (await page.locator(`[data-technician="${acme.technicianId}"] .dot`).boundingBox())!;
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  // the dot over the tiles, the tiles' colour all around it (where the local map would show #eef2f7)
  expect(near(await pixelAt(cx, cy), TILE_RGB)).toBe(false);
  for (const [dx, dy] of [[-40, 0], [0, -40], [0, 40], [-120, 80]] as const) expect(await pixelAt(cx + dx, cy + dy)).toEqual(TILE_RGB.map((v) => expect.closeTo(v, -1)));
});

it('follows the selected technician with their heading until the map is dragged', async () => {
  await marker().click();
  await page.getByTestId('follow').click();
  await page.locator(`[data-testid=map][data-following="${acme.technicianId}"]`).waitFor();
  // 400 m: inside the padded viewport this page subscribed to (about 1.2 km tall at zoom 15; a fix outside it would not stream here)
  const far = north(400);
  await produce(h.producer, [fix(400, { headingDeg: 90, speedMps: 12 })]);
  await page.locator(`[data-technician="${acme.technicianId}"][data-lat="${far.lat}"]`).waitFor();
  await expect(page.locator(`[data-technician="${acme.technicianId}"] .heading`).getAttribute('style')).resolves.toContain('rotate(90deg)');
  // the map came along: they are in the middle, 400 m from where the map was fitted
  await eventually('the map centred on them', () => onMap<boolean>(`Math.abs(map.getCenter().lat - ${far.lat}) < 1e-4 && Math.abs(map.getCenter().lng - ${far.lon}) < 1e-4 || undefined`), 10_000);

  await page.mouse.move(300, 400);
  await page.mouse.down();
  await page.mouse.move(420, 480, { steps: 6 });
  await page.mouse.up();
  await page.locator('[data-testid=map][data-following=""]').waitFor();
});

it('clusters jobs when zoomed out and splits a cluster when its bubble is clicked', async () => {
  const spots = [100, 250, 400].map((m) => ({ lat: BASE.lat + m / 111_195, lon: BASE.lon + 0.004 }));
  for (const [i, location] of spots.entries()) await must(acme.dispatcher.post('/jobs', { title: `Clustered ${i}`, requiredSkills: [], location, window: windowAroundNow() }));
  await onMap(`map.jumpTo({ center: [${BASE.lon + 0.004}, ${spots[1]!.lat}], zoom: 15 })`);
  await eventually('each job drawn alone at street level', async () => ((await renderedFeatures(page, ['jobs'])).length === 3 ? true : undefined), 15_000);

  await onMap('map.jumpTo({ zoom: 11 })');
  const bubble = page.locator('[data-cluster=jobs][data-count="3"]');
  await bubble.waitFor();
  expect(await renderedFeatures(page, ['jobs'])).toEqual([]);
  // a click zooms in to where it splits: every job is then alone or in a smaller cluster
  await bubble.click();
  await eventually('zoomed in past the cluster', () => onMap<boolean>('(map.getZoom() > 11 && !map.isMoving()) || undefined'), 10_000);
  await bubble.waitFor({ state: 'detached' });
  const shown = async () => {
    const counts = await page.locator('[data-cluster=jobs]').evaluateAll((bubbles) => bubbles.map((b) => Number(b.getAttribute('data-count'))));
    return (await renderedFeatures(page, ['jobs'])).length + counts.reduce((a, b) => a + b, 0);
  };
  await eventually('all three jobs shown, alone or in smaller clusters', async () => ((await shown()) === 3 ? true : undefined), 5_000);
});

it('falls back to the local base map when the style cannot be loaded', async () => {
  tiles.failStyle = true;
  await page.reload();
  await page.locator('[data-testid=connection][data-state=open]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=map][data-base=local]').waitFor();
  await page.locator('[data-testid=notice]', { hasText: 'street map could not be loaded' }).waitFor();
  await marker().waitFor();
});

import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { PASSWORD } from '../../../test/support/api';
import { watchCsp } from './csp-watch';

/**
 * Debian's chromium through playwright-core, kept off Google's services (this closed network refuses
 * them). The map is WebGL (MapLibre): without a GPU it runs on SwiftShader, which Chromium only
 * offers for WebGL when told it may (--enable-unsafe-swiftshader; its silent fallback is going away).
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs,
    ],
  });
}

/** What MapLibre drew on `page`'s map in `layers` (their features' properties), through the map the view exposes for this. */
export function renderedFeatures(page: Page, layers: string[]): Promise<Record<string, unknown>[]> {
  return page.evaluate((layers) => {
    type Drawn = { properties: Record<string, unknown> };
    const { document } = globalThis as unknown as { document: { querySelector(s: string): { maplibre?: { queryRenderedFeatures(o: object): Drawn[] } } | null } };
    const map = document.querySelector('[data-testid=map] .map-canvas')?.maplibre;
    return map ? map.queryRenderedFeatures({ layers }).map((f) => f.properties) : [];
  }, layers);
}

/** A new browser context signed in as `email` on the pages the API serves, once its live connection is open (CSP refusals recorded: csp-watch.ts). */
export async function signedInPage(browser: Browser, apiUrl: string, email: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, ...options });
  const page = await context.newPage();
  await watchCsp(page);
  page.on('pageerror', (error) => console.error(`page error (${email}): ${error.message}`));
  await page.goto(`${apiUrl}/app/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid=connection][data-state=open]').waitFor({ timeout: 30_000 });
  return page;
}

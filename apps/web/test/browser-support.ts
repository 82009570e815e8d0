import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { PASSWORD } from '../../../test/support/api';
import { watchCsp } from './csp-watch';

/** Debian's chromium through playwright-core, kept off Google's services (this closed network refuses them). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...extraArgs],
  });
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

import type { Page } from 'playwright-core';

// What the Content-Security-Policy refused on a page: Chromium's console errors ("Refused to load …",
// "Refused to connect …") and the page's securitypolicyviolation events. A spec expects none.

const refused = new WeakMap<Page, string[]>();

/** Starts recording on `page`; call before its first navigation. */
export async function watchCsp(page: Page): Promise<void> {
  const seen: string[] = [];
  refused.set(page, seen);
  page.on('console', (message) => {
    const text = message.text();
    if (/Refused to|Content Security Policy|securitypolicyviolation/.test(text)) seen.push(text);
  });
  // a string: this file is compiled without the DOM's types
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => console.error(`securitypolicyviolation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));",
  });
}

/** Everything the policy refused on `page` so far. */
export const cspViolations = (page: Page): string[] => [...(refused.get(page) ?? [])];

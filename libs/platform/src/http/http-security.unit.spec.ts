import { Controller, Get, Header, Module } from '@nestjs/common';
import { type RunningApp, startApp } from '../bootstrap/bootstrap-app';
import { BaseEnv } from '../config/base.env';
import { ConfigError, loadConfig } from '../config/load-config';
import { pageSecurity } from './http-security';

// Every app started by startApp: hardening headers on each response, a page's own CSP where the app
// gives one, CORS for the allow-list only, HSTS only when configured.

@Controller()
class ThingsController {
  @Get('things')
  list() {
    return { items: [] };
  }

  @Get('page')
  @Header('content-type', 'text/html; charset=utf-8')
  page() {
    return '<!doctype html><title>page</title>';
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const PAGE_CSP = { 'default-src': ["'none'"], 'script-src': ["'self'"] };
const ENV = { HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'fatal' };

const start = (env: Record<string, string> = {}) =>
  startApp(
    { name: 'http-security-spec', env: BaseEnv, module: () => ThingsModule, configure: (app, config) => void app.use('/page', pageSecurity(config, PAGE_CSP)) },
    { ...ENV, ...env },
  );

describe('with the defaults (no CORS origins, no HSTS)', () => {
  let running: RunningApp<BaseEnv>;
  beforeAll(async () => {
    running = await start();
  });
  afterAll(() => running.app.close());

  it('answers a JSON route with the API hardening and a CSP that loads nothing', async () => {
    const response = await fetch(`${running.url}/things`);
    expect(response.status).toBe(200);
    const h = response.headers;
    expect(h.get('x-powered-by')).toBeNull();
    expect(h.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(h.get('x-frame-options')).toBe('DENY');
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(h.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(h.get('strict-transport-security')).toBeNull();
  });

  it('keeps the hardening on errors and unknown routes', async () => {
    const response = await fetch(`${running.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
  });

  it('gives an HTML route its own CSP, still unframeable, and a referrer policy that keeps the origin', async () => {
    const response = await fetch(`${running.url}/page`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none';script-src 'self';frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('answers no origin cross-origin: no CORS headers, a preflight not granted', async () => {
    const simple = await fetch(`${running.url}/things`, { headers: { origin: 'https://ops.example.com' } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${running.url}/things`, { method: 'OPTIONS', headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.ok).toBe(false);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe('with CORS_ORIGINS and HSTS configured', () => {
  let running: RunningApp<BaseEnv>;
  beforeAll(async () => {
    running = await start({ CORS_ORIGINS: 'https://ops.example.com, http://localhost:5173', HTTP_HSTS_MAX_AGE_SECONDS: '31536000' });
  });
  afterAll(() => running.app.close());

  it('answers a listed origin’s preflight and its requests, exposing ETag and Retry-After', async () => {
    const preflight = await fetch(`${running.url}/things`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, if-match' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization, content-type, if-match');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull(); // bearer tokens, no cookies

    const response = await fetch(`${running.url}/things`, { headers: { origin: 'https://ops.example.com' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(response.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('refuses any other origin, even one that differs only in scheme or port', async () => {
    for (const origin of ['https://evil.example.com', 'http://ops.example.com', 'http://localhost:5174', 'null']) {
      const preflight = await fetch(`${running.url}/things`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      expect(preflight.ok).toBe(false);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const response = await fetch(`${running.url}/things`, { headers: { origin } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('sends Strict-Transport-Security with the configured max-age', async () => {
    const response = await fetch(`${running.url}/things`);
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await fetch(`${running.url}/page`)).headers.get('strict-transport-security')).toBe('max-age=31536000');
  });
});

describe('CORS_ORIGINS', () => {
  const load = (value: string) => loadConfig(BaseEnv, { ...ENV, CORS_ORIGINS: value }, 'spec');

  it('takes origins as browsers send them', () => {
    expect(load('https://ops.example.com,http://127.0.0.1:8080, http://[::1]:5173').CORS_ORIGINS).toBe('https://ops.example.com,http://127.0.0.1:8080, http://[::1]:5173');
  });

  it.each(['*', 'https://ops.example.com/', 'https://ops.example.com/app', 'ops.example.com', 'ftp://ops.example.com', 'https://OPS.example.com', 'https://ops.example.com:443', ' , '])('refuses %j', (value) => {
    expect(() => load(value)).toThrow(ConfigError);
    expect(() => load(value)).toThrow(/CORS_ORIGINS: must be comma-separated origins/);
  });
});

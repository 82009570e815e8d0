import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get } from '@nestjs/common';
import { type RunningApp, startApp } from '#libs/platform';
import { ApiEnv } from '../api.env';
import { configureHttp } from '../http.setup';
import { WebModule } from './web.module';
import { API_ENV_WITHOUT_STACK } from '../../../../test/support/token-keys';

// The api's HTTP setup (configureHttp) on an app with the web module and a JSON route, no infrastructure:
// JSON keeps `default-src 'none'`, the pages under /app/ get the dashboard's policy with the configured
// realtime, media and base map origins, Swagger UI its own.

@Controller('things')
class ThingsController {
  @Get()
  list() {
    return { items: [] };
  }
}

const ENV = API_ENV_WITHOUT_STACK;

let dist: string;
beforeAll(() => {
  dist = mkdtempSync(join(tmpdir(), 'web-csp-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Fieldline</title><script type="module" src="/app/assets/index.js"></script>');
});
afterAll(() => rmSync(dist, { recursive: true, force: true }));

const start = (env: Record<string, string>) =>
  startApp(
    {
      name: 'web-csp-spec',
      env: ApiEnv,
      module: (config, logger) => ({ module: class WebSpecModule {}, imports: [WebModule.forEnv(config, logger)], controllers: [ThingsController] }),
      configure: configureHttp,
    },
    { ...ENV, WEB_DIST_DIR: dist, ...env },
  );

const directives = (csp: string | null) => new Map((csp ?? '').split(';').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)] as const));

describe('with the realtime, media and map style URLs configured', () => {
  let running: RunningApp<ApiEnv>;
  beforeAll(async () => {
    running = await start({ REALTIME_PUBLIC_URL: 'wss://rt.example.com/ws', MEDIA_PUBLIC_URL: 'wss://media.example.com:8443/media', MAP_STYLE_URL: 'https://maps.example.com/styles/streets.json', MAP_EXTRA_ORIGINS: 'https://tiles.example.com,https://fonts.example.com' });
  });
  afterAll(() => running.app.close());

  it('serves the dashboard with its own origin plus exactly those origins', async () => {
    const response = await fetch(`${running.url}/app/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = directives(response.headers.get('content-security-policy'));
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    // MapLibre fetches the style, tiles, glyphs and sprites, and decodes tiles to images
    const map = ['https://maps.example.com', 'https://tiles.example.com', 'https://fonts.example.com'];
    expect(csp.get('connect-src')).toEqual(["'self'", 'wss://rt.example.com', 'wss://media.example.com:8443', ...map]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:', ...map]);
    expect(csp.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
    // a deep link renders the same page under the same policy
    expect((await fetch(`${running.url}/app/jobs/123`)).headers.get('content-security-policy')).toBe(response.headers.get('content-security-policy'));
  });

  it('keeps JSON routes, /config/web and /openapi.json on the API policy', async () => {
    for (const path of ['/things', '/config/web', '/openapi.json']) {
      const response = await fetch(`${running.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('gives Swagger UI its scripts from /docs and the inline styles it needs, nothing from elsewhere', async () => {
    const response = await fetch(`${running.url}/docs`);
    expect(response.status).toBe(200);
    const csp = directives(response.headers.get('content-security-policy'));
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });
});

describe('with none of them configured', () => {
  let running: RunningApp<ApiEnv>;
  beforeAll(async () => {
    running = await start({});
  });
  afterAll(() => running.app.close());

  it('allows the sockets the pages open on their own host (3003, 3004) and no map origin', async () => {
    const csp = directives((await fetch(`${running.url}/app/`)).headers.get('content-security-policy'));
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:3003', 'ws://127.0.0.1:3004']);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
  });

  it('takes the page’s host from the request, but only a plain host name', async () => {
    const { request } = await import('node:http');
    const cspFor = (host: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(`${running.url}/app/`);
        request({ host: url.hostname, port: url.port, path: '/app/', headers: { host } }, (res) => {
          res.resume();
          resolve(String(res.headers['content-security-policy']));
        })
          .on('error', reject)
          .end();
      });
    expect(directives(await cspFor('dispatch.example.com:3000')).get('connect-src')).toEqual(["'self'", 'ws://dispatch.example.com:3003', 'ws://dispatch.example.com:3004']);
    expect(directives(await cspFor("evil.example.com; script-src 'unsafe-inline'")).get('connect-src')).toEqual(["'self'", "'self'", "'self'"]);
  });
});

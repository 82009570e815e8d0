import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

// Every HTTP app answers with the same hardening headers (startApp installs them before any route):
// no framework banner, no framing, no referrer, nosniff, same-origin opener/resource policies, and a
// CSP that lets a JSON response load nothing. Pages (the api's dashboard, Swagger UI) replace that CSP
// on their own routes with `pageSecurity`. CORS is closed unless CORS_ORIGINS lists an origin.

/** A CSP directive's sources; a function is evaluated per request (e.g. the page's own host name). */
export type CspSource = string | ((req: IncomingMessage, res: ServerResponse) => string);
export type CspDirectives = Record<string, readonly CspSource[]>;

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** What a JSON/API response may load: nothing; and no page may frame it. */
export const API_CSP: CspDirectives = { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] };

export interface HttpSecurityConfig {
  /** Comma-separated origins allowed to call the app from a browser (CORS); empty: none. */
  CORS_ORIGINS?: string;
  /** Strict-Transport-Security max-age; 0: no HSTS; unset: a year when the app speaks TLS itself, else none. */
  HTTP_HSTS_MAX_AGE_SECONDS?: number;
  /** Set when the app serves HTTPS itself. */
  TLS_CERT_FILE?: string;
}

type HstsConfig = Pick<HttpSecurityConfig, 'HTTP_HSTS_MAX_AGE_SECONDS' | 'TLS_CERT_FILE'>;

/** A browser honours HSTS only over TLS: on by default when the app serves TLS, else only when an operator says a TLS proxy is in front. */
const hstsSeconds = (config: HstsConfig): number => config.HTTP_HSTS_MAX_AGE_SECONDS ?? (config.TLS_CERT_FILE ? 31_536_000 : 0);

/** Response headers a browser reads from a cross-origin call (ETag for If-Match, Retry-After on 409/429/503). */
const EXPOSED_HEADERS = ['ETag', 'Location', 'Retry-After', 'Content-Disposition'];

/** The CORS_ORIGINS list; each entry exactly as a browser sends Origin. */
export const originsOf = (list: string | undefined): string[] =>
  (list ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');

/** An origin as browsers send it: http(s), lower-case host, no default port, no path, no trailing slash. */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** The helmet headers with `csp` as the Content-Security-Policy; `referrer` for pages that need one. */
function headers(config: HstsConfig, csp: CspDirectives, referrer: 'no-referrer' | 'strict-origin-when-cross-origin'): Middleware {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: csp as Record<string, CspSource[]> },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: referrer },
    strictTransportSecurity: hstsSeconds(config) > 0 ? { maxAge: hstsSeconds(config), includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
    xContentTypeOptions: true,
  }) as Middleware;
}

/**
 * Installs the hardening on `app`, before its routes: the API headers on every response and CORS for
 * the allow-list only (a preflight from any other origin gets no CORS headers, so the browser refuses).
 */
export function applyHttpSecurity(app: INestApplication, config: HttpSecurityConfig): void {
  (app.getHttpAdapter().getInstance() as { disable?: (setting: string) => void }).disable?.('x-powered-by');
  app.use(headers(config, API_CSP, 'no-referrer'));
  const allowed = new Set(originsOf(config.CORS_ORIGINS));
  if (allowed.size === 0) return;
  app.enableCors({
    origin: (origin: string | undefined, done: (error: Error | null, allow?: boolean) => void) => done(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

/**
 * The headers for an HTML route (register it on the route's path after startApp's defaults): `csp`
 * replaces the API policy there. Pages keep the origin in cross-origin referrers (tile servers such as
 * OpenStreetMap's refuse requests without one) and nothing more.
 */
export const pageSecurity = (config: HstsConfig, csp: CspDirectives): Middleware =>
  headers(config, { ...csp, 'frame-ancestors': ["'none'"] }, 'strict-origin-when-cross-origin');

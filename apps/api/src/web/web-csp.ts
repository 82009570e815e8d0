import type { IncomingMessage } from 'node:http';
import type { CspDirectives, CspSource } from '#libs/platform';
import type { WebConfig } from './web.module';

// The Content-Security-Policy of the pages under /app/ (apps/web, one Vite bundle: a module script and
// a stylesheet from /app/assets, no inline code, no fonts, no CDN) and of Swagger UI at /docs. The JSON
// routes keep the platform's `default-src 'none'`.

/** Where the pages open a socket when the deployment names none: the page's host on this port (live-store.ts, call-controller.ts). */
const DEFAULT_PORTS = { realtime: 3003, media: 3004 } as const;

/** The origin of a configured URL as a CSP source; a relative one (same origin) adds nothing to 'self'. */
function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * `ws://<the page's host>:<port>` for a socket whose URL the page derives from its own location (a CSP
 * `ws:` source matches `wss:` too). The host comes from the request; anything that is not a plain host
 * name or IP literal gives no source rather than a policy an attacker shaped.
 */
const pageHostSocket =
  (port: number): CspSource =>
  (req: IncomingMessage) => {
    try {
      const host = new URL(`http://${req.headers.host ?? ''}`).hostname;
      return /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])$/.test(host) ? `ws://${host}:${port}` : "'self'";
    } catch {
      return "'self'";
    }
  };

/** What every page allows of itself: nothing by default, no <base>, forms only to itself, no plugins. */
const PAGE_BASE: CspDirectives = { 'default-src': ["'none'"], 'base-uri': ["'none'"], 'form-action': ["'self'"], 'object-src': ["'none'"] };

const socketSource = (url: string | null, port: number): CspSource => (url === null ? pageHostSocket(port) : (originOf(url) ?? "'self'"));

/**
 * The dashboard's policy: its own origin, plus the configured realtime and media signaling origins, and
 * the base map's: MAP_STYLE_URL's origin and `mapOrigins` (MAP_EXTRA_ORIGINS, where the style's tiles,
 * glyphs or sprites live elsewhere). MapLibre fetches all of those (connect-src) and decodes tiles to
 * images (img-src); its worker is a same-origin module ('self'), blob: for the worker it builds when a
 * page's origin differs from the script's.
 */
export function dashboardCsp(config: WebConfig, mapOrigins: string[] = []): CspDirectives {
  const style = config.mapStyleUrl === null ? undefined : originOf(config.mapStyleUrl);
  const map = [...new Set([...(style ? [style] : []), ...mapOrigins])];
  return {
    ...PAGE_BASE,
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'font-src': ["'self'"],
    // data:/blob: for images drawn in the page (MapLibre's control icons are data: URIs in its stylesheet)
    'img-src': ["'self'", 'data:', 'blob:', ...map],
    'connect-src': ["'self'", socketSource(config.realtimeUrl, DEFAULT_PORTS.realtime), socketSource(config.mediaUrl, DEFAULT_PORTS.media), ...map],
    // call audio/video come as MediaStreams (srcObject), not URLs
    'media-src': ["'self'", 'blob:'],
    'worker-src': ["'self'", 'blob:'],
    'manifest-src': ["'self'"],
  };
}

/** Swagger UI (swagger-ui-dist through @nestjs/swagger): its scripts from /docs, but inline styles and a data: logo. */
export const SWAGGER_CSP: CspDirectives = {
  ...PAGE_BASE,
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
};

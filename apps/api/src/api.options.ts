import type { Logger } from 'pino';
import type { EtaConfig } from '#libs/domain';

// The injection tokens of the API's feature options, provided from the validated env in app.module.ts.

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');

export interface AuthOptions {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** API_BOOTSTRAP_TOKEN: POST /tenants is refused while it is unset. */
export const BOOTSTRAP_TOKEN = Symbol('BOOTSTRAP_TOKEN');

export const TRACKING_OPTIONS = Symbol('TRACKING_OPTIONS');

export interface TrackingOptions {
  eta: EtaConfig;
}

export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');

export interface WebhookOptions {
  logger: Logger;
  timeoutMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  /** Deliveries in flight at once per instance; each endpoint's slowness only costs its own slots. */
  concurrency: number;
  pollMs: number;
  enabled: boolean;
}

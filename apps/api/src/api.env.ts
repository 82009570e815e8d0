import { withKafkaEnv } from '#libs/kafka';
import { withLiveEnv } from '#libs/live';
import { BaseEnv, EnvFlag, EnvInt, EnvOrigins, EnvString, EnvUrl } from '#libs/platform';
import { withGuessLimitEnv, withRedisEnv } from '#libs/redis';
import { withDatabaseEnv } from '#libs/timescale';
import { withProofStoreEnv } from './proofs/proof-store.env';
import { withDeviceAuthorityEnv } from './devices/device-authority';
import { withPushEnv } from './push/push.env';
import { EnvAllowedHosts } from './webhooks/allowed-hosts.env';

/** REST commands and queries: the event store (TimescaleDB), the outbox relay (Kafka), rate limits and live boards (Redis). */
export class ApiEnv extends withPushEnv(withProofStoreEnv(withDeviceAuthorityEnv(withGuessLimitEnv(withLiveEnv(withDatabaseEnv(withKafkaEnv(withRedisEnv(BaseEnv)))))))) {
  /** The private key (PEM, Ed25519 or P-256) that signs access tokens; its public half is served at /.well-known/jwks.json. */
  @EnvString({ required: true })
  JWT_PRIVATE_KEY_FILE!: string;

  /** Keys accepted and published but not signing, comma-separated PEM files: the next key before the switch, the previous one after it. */
  @EnvString()
  JWT_ROTATION_KEY_FILES?: string;

  @EnvInt({ min: 60, max: 86_400 })
  ACCESS_TOKEN_TTL_SECONDS: number = 900;

  @EnvInt({ min: 3600, max: 31_536_000 })
  REFRESH_TOKEN_TTL_SECONDS: number = 2_592_000;

  /** Enables POST /tenants for the operator; unset, no tenant can be created over HTTP. */
  @EnvString({ minLength: 16 })
  API_BOOTSTRAP_TOKEN?: string;

  /** Requests per minute per user or API key (per IP before login), shared by all instances through Redis. */
  @EnvInt({ min: 1 })
  RATE_LIMIT_PER_MINUTE: number = 1200;

  /** Wrong passwords for one account (any address) within GUESS_WINDOW_S that lock the account. */
  @EnvInt({ min: 1, max: 1000 })
  GUESS_LOGIN_PER_ACCOUNT: number = 5;

  /** Failed logins from one address (any account) within GUESS_WINDOW_S that lock logins from it. */
  @EnvInt({ min: 1, max: 100_000 })
  GUESS_LOGIN_PER_ADDRESS: number = 20;

  /** Refused refresh tokens from one address within GUESS_WINDOW_S that lock refreshes from it. */
  @EnvInt({ min: 1, max: 100_000 })
  GUESS_REFRESH_PER_ADDRESS: number = 20;

  /** Refused API keys from one address within GUESS_WINDOW_S that lock API-key calls from it. */
  @EnvInt({ min: 1, max: 100_000 })
  GUESS_API_KEY_PER_ADDRESS: number = 20;

  /** How long a webhook endpoint may take to answer before the attempt counts as failed. */
  @EnvInt({ min: 100, max: 60_000 })
  WEBHOOK_TIMEOUT_MS: number = 5000;

  /** First retry waits up to this long; each further one doubles it (full jitter, capped at 1 h). */
  @EnvInt({ min: 10 })
  WEBHOOK_RETRY_BASE_MS: number = 10_000;

  @EnvInt({ min: 1, max: 30 })
  WEBHOOK_MAX_ATTEMPTS: number = 12;

  /** The consumer group that turns events into deliveries: one per deployment (every API instance joins it). */
  @EnvString({ pattern: /^[A-Za-z0-9._-]{1,200}$/, message: 'WEBHOOK_CONSUMER_GROUP must be a Kafka group id (letters, digits, . _ -)' })
  WEBHOOK_CONSUMER_GROUP: string = 'fieldline-api-webhooks';

  /**
   * Development and tests (or an operator's own internal receiver): webhook hosts allowed despite the
   * public-address rules, comma-separated host names, addresses and CIDR networks (`127.0.0.1,10.1.0.0/16`).
   */
  @EnvAllowedHosts()
  WEBHOOK_ALLOWED_HOSTS?: string;

  /** 1: plain http is allowed to WEBHOOK_ALLOWED_HOSTS (only to them; every other webhook needs https). */
  @EnvFlag()
  WEBHOOK_ALLOW_HTTP: number = 0;

  /** Set to 0 to run an instance without the outbox relay (another instance publishes). */
  @EnvFlag()
  OUTBOX_RELAY: number = 1;

  /** The built web pages (apps/web → dist/web), served under /app/. */
  @EnvString()
  WEB_DIST_DIR: string = 'dist/web';

  /** The realtime WebSocket URL the pages use (wss://… behind a load balancer); unset: the page's host, port 3003. */
  @EnvUrl(['ws', 'wss'])
  REALTIME_PUBLIC_URL?: string;

  /** The media app's signaling WebSocket URL the pages use for calls (wss://…/media); unset: the page's host, port 3004. */
  @EnvUrl(['ws', 'wss'])
  MEDIA_PUBLIC_URL?: string;

  /** A MapLibre style for the dashboard's base map (an OpenStreetMap-based one in production); unset or unreachable: a local map without tiles. */
  @EnvUrl(['http', 'https'])
  MAP_STYLE_URL?: string;

  /** Origins the style's tiles, glyphs or sprites come from besides MAP_STYLE_URL's own (the pages' CSP allows exactly these), comma-separated. */
  @EnvOrigins()
  MAP_EXTRA_ORIGINS?: string;
}

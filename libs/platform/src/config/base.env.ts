import 'reflect-metadata';
import { IsISO8601, IsOptional, ValidateBy, ValidateIf } from 'class-validator';
import { EnvConnectionUrl, EnvFile, EnvInt, EnvOneOf, EnvOrigins, EnvPort, EnvString } from './env-decorators';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every app reads. Each adapter lib adds its own variables with a mixin (withKafkaEnv …). */
export class BaseEnv {
  @EnvOneOf(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @EnvOneOf(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** The HTTP port for the app's API and /health endpoints. */
  @EnvPort({ required: true })
  HTTP_PORT!: number;

  @EnvString()
  HTTP_HOST: string = '0.0.0.0';

  /**
   * Development and tests only: the app's clock reads this moment at start and runs on from it
   * (a test at 23:30 UTC or across a month end against the real app). Refused in production.
   */
  @IsOptional()
  @IsISO8601({ strict: true })
  @ValidateBy({
    name: 'notInProduction',
    validator: { validate: (_value, args) => (args?.object as BaseEnv).NODE_ENV !== 'production', defaultMessage: () => 'must not be set when NODE_ENV=production' },
  })
  CLOCK_START?: string;

  /**
   * Browser origins allowed to call this app cross-origin (CORS), comma-separated, each exactly as a
   * browser sends it (`https://ops.example.com`, `http://localhost:5173`); unset: none.
   */
  @EnvOrigins()
  CORS_ORIGINS?: string;

  /**
   * Strict-Transport-Security max-age (e.g. 31536000); 0: no HSTS. Unset: a year when the app serves
   * TLS itself (TLS_CERT_FILE), none otherwise — set it when a TLS proxy sits in front.
   */
  @EnvInt({ min: 0, max: 63_072_000 })
  HTTP_HSTS_MAX_AGE_SECONDS?: number;

  /**
   * Proxies (load balancers) in front that append to X-Forwarded-For: the client address is read that
   * many hops back. 0: the socket's peer is the client. Behind a proxy, per-address limits need this.
   */
  @EnvInt({ min: 0, max: 10 })
  HTTP_TRUST_PROXY_HOPS: number = 0;

  /**
   * Where spans go (OpenTelemetry over OTLP/HTTP, e.g. http://otel-collector:4318); unset: none are
   * recorded, but trace ids are still made, carried in events and frames, and logged.
   */
  @EnvConnectionUrl(['http', 'https'])
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /**
   * The server certificate (PEM, chain after it) and its key: set both and the HTTP port speaks
   * HTTPS (and WSS) only; ingest's MQTT TLS listeners use them too. Read again when they change.
   */
  @ValidateIf((env: BaseEnv) => env.TLS_KEY_FILE !== undefined || env.TLS_CERT_FILE !== undefined)
  @EnvFile({ required: true })
  TLS_CERT_FILE?: string;

  @ValidateIf((env: BaseEnv) => env.TLS_KEY_FILE !== undefined || env.TLS_CERT_FILE !== undefined)
  @EnvFile({ required: true })
  TLS_KEY_FILE?: string;

  /** How often the TLS files are checked for a renewed certificate. */
  @EnvInt({ min: 100, max: 3_600_000 })
  TLS_RELOAD_INTERVAL_MS: number = 10_000;
}

// biome-ignore lint: the mixin pattern needs a constructor type with any args
export type Constructor<T = object> = new (...args: any[]) => T;

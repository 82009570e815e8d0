import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';
import { withKafkaEnv } from '#libs/kafka';
import { withLiveEnv } from '#libs/live';
import { BaseEnv } from '#libs/platform';
import { withRedisEnv } from '#libs/redis';
import { withDatabaseEnv } from '#libs/timescale';

/** REST commands and queries: the event store (TimescaleDB), the outbox relay (Kafka), rate limits and live boards (Redis). */
export class ApiEnv extends withLiveEnv(withDatabaseEnv(withKafkaEnv(withRedisEnv(BaseEnv)))) {
  /** Signs access tokens (HS256). At least 32 characters; every API instance needs the same one. */
  @IsString()
  @MinLength(32)
  JWT_SECRET!: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86_400)
  ACCESS_TOKEN_TTL_SECONDS: number = 900;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(3600)
  @Max(31_536_000)
  REFRESH_TOKEN_TTL_SECONDS: number = 2_592_000;

  /** Enables POST /tenants for the operator; unset, no tenant can be created over HTTP. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  API_BOOTSTRAP_TOKEN?: string;

  /** Requests per minute per user or API key (per IP before login), shared by all instances through Redis. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE: number = 1200;

  /** How long a webhook endpoint may take to answer before the attempt counts as failed. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS: number = 5000;

  /** First retry waits up to this long; each further one doubles it (full jitter, capped at 1 h). */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(10)
  WEBHOOK_RETRY_BASE_MS: number = 10_000;

  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(30)
  WEBHOOK_MAX_ATTEMPTS: number = 12;

  /** The consumer group that turns events into deliveries: one per deployment (every API instance joins it). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'WEBHOOK_CONSUMER_GROUP must be a Kafka group id (letters, digits, . _ -)' })
  WEBHOOK_CONSUMER_GROUP: string = 'fieldline-api-webhooks';

  /** Set to 0 to run an instance without the outbox relay (another instance publishes). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1)
  OUTBOX_RELAY: number = 1;

  /** The built web pages (apps/web → dist/web), served under /app/. */
  @IsOptional()
  @IsString()
  WEB_DIST_DIR: string = 'dist/web';

  /** The realtime WebSocket URL the pages use (wss://… behind a load balancer); unset: the page's host, port 3003. */
  @IsOptional()
  @IsUrl({ protocols: ['ws', 'wss'], require_tld: false })
  REALTIME_PUBLIC_URL?: string;

  /** The media app's signaling WebSocket URL the pages use for calls (wss://…/media); unset: the page's host, port 3004. */
  @IsOptional()
  @IsUrl({ protocols: ['ws', 'wss'], require_tld: false })
  MEDIA_PUBLIC_URL?: string;

  /** Map tiles for the dashboard, e.g. https://tiles.example.com/{z}/{x}/{y}.png; unset: a vector map from our own data. */
  @IsOptional()
  @IsString()
  @Matches(/\{z\}.*\{x\}.*\{y\}/, { message: 'MAP_TILES_URL must contain {z}, {x} and {y}' })
  MAP_TILES_URL?: string;
}

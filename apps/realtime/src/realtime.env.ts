import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { withKafkaEnv } from '#libs/kafka';
import { withLiveEnv } from '#libs/live';
import { BaseEnv } from '#libs/platform';
import { withRedisEnv } from '#libs/redis';

/** WebSocket gateways: the tenant feeds from Redis, presence in Redis, chat to Kafka. */
export class RealtimeEnv extends withLiveEnv(withKafkaEnv(withRedisEnv(BaseEnv))) {
  /** Verifies the API's access tokens (HS256): the same secret as the API's. */
  @IsString()
  @MinLength(32)
  JWT_SECRET!: string;

  /** Connections this node accepts; beyond, the upgrade is answered 503 with Retry-After. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1)
  REALTIME_MAX_CONNECTIONS: number = 20_000;

  /** Ping interval; a socket that misses two pongs is terminated. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(300)
  REALTIME_HEARTBEAT_S: number = 15;

  /** Bytes a socket may have unsent before location updates are coalesced (latest wins per subject). */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1024)
  REALTIME_HIGH_WATER_BYTES: number = 262_144;

  /** Messages held for a slow socket beyond its high-water mark; past this it is closed with a resume id. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(10)
  REALTIME_MAX_QUEUED: number = 2_000;

  /** A connection not heard from (heartbeat) for this long counts as gone, also when its node crashed. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(3)
  PRESENCE_TTL_S: number = 30;

  /** A user with no activity on any connection for this long is idle. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(5)
  PRESENCE_IDLE_AFTER_S: number = 300;

  /** This node's name in presence records (defaults to host-pid). */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/)
  REALTIME_NODE_ID?: string;
}

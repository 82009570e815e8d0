import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { withKafkaEnv } from '#libs/kafka';
import { withMqttEnv } from '#libs/mqtt';
import { BaseEnv } from '#libs/platform';
import { withRedisEnv } from '#libs/redis';
import { withDatabaseEnv } from '#libs/timescale';

/** Devices and phones in (MQTT, HTTP), Kafka out; device credentials from TimescaleDB; presence in Redis. */
export class IngestEnv extends withDatabaseEnv(withMqttEnv(withKafkaEnv(withRedisEnv(BaseEnv)))) {
  /** Larger payloads go to the dead-letter topic (truncated to this size). */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(256)
  @Max(1_000_000)
  INGEST_MAX_PAYLOAD_BYTES: number = 65_536;

  /** How far ahead of the server clock a device time may be (clock drift). */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(0)
  INGEST_MAX_FUTURE_SKEW_S: number = 300;

  /** How old a fix may be and still be accepted (devices that store and forward). */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(60)
  INGEST_MAX_AGE_S: number = 604_800;

  /** A connected device silent for this long is reported stale. */
  @Type(() => Number)
  @IsOptional()
  @IsInt()
  @Min(1)
  INGEST_STALE_AFTER_S: number = 300;
}

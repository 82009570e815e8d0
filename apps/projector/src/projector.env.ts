import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsOptional } from 'class-validator';
import { withKafkaEnv } from '#libs/kafka';
import { withLiveEnv } from '#libs/live';
import { BaseEnv, EnvInt, EnvNumber, EnvString } from '#libs/platform';
import { withRedisEnv } from '#libs/redis';
import { withDatabaseEnv } from '#libs/timescale';

export const projectionNames = ['history', 'positions', 'dispatch', 'presence', 'derived'] as const;
export type ProjectionName = (typeof projectionNames)[number];

/** Kafka consumer groups writing history (TimescaleDB), live state and the feed (Redis), derived events (Kafka). */
export class ProjectorEnv extends withLiveEnv(withDatabaseEnv(withKafkaEnv(withRedisEnv(BaseEnv)))) {
  /** Which projections this process runs (comma-separated); each is its own consumer group. */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter(Boolean) : value))
  @ArrayNotEmpty()
  @IsIn(projectionNames, { each: true })
  PROJECTOR_PROJECTIONS: ProjectionName[] = [...projectionNames];

  /** Consumer groups are `<prefix>-<projection>`; a new prefix projects the whole log again from its start. */
  @EnvString({ pattern: /^[A-Za-z0-9._-]{1,100}$/ })
  PROJECTOR_GROUP_PREFIX: string = 'fieldline-projector';

  /** How long the group waits for a silent projector before its partitions move to another instance. */
  @EnvInt({ min: 6_000, max: 300_000 })
  PROJECTOR_SESSION_TIMEOUT_MS: number = 30_000;

    /**
     * Replicas that must hold the projector's writes before it marks a batch consumed (Redis WAIT): 1 with a
     * Sentinel-managed replica, so a promotion loses no live state; 0 (default) with one Redis. A replica
     * that does not answer within REDIS_WAIT_TIMEOUT_MS is logged and the batch goes on (Sentinel does not
     * promote a replica that was away).
     */
    @EnvInt({ min: 0, max: 5 })
    REDIS_WAIT_REPLICAS: number = 0;

    @EnvInt({ min: 10, max: 60_000 })
    REDIS_WAIT_TIMEOUT_MS: number = 1_000;

  /** A fix must be this far inside (or outside) a geofence to count as evidence of a side. */
  @EnvNumber({ min: 0, max: 10_000 })
  GEOFENCE_MARGIN_M: number = 25;

  /** How long (device time) the evidence must hold before an enter or exit is confirmed. */
  @EnvInt({ min: 0 })
  GEOFENCE_DWELL_S: number = 30;

  /** Fixes reporting a worse accuracy are ignored for geofences. */
  @EnvNumber({ min: 1 })
  GEOFENCE_MAX_ACCURACY_M: number = 150;

  /** A technician on shift silent this long gets a signal-lost alert. */
  @EnvInt({ min: 10 })
  SIGNAL_LOST_AFTER_S: number = 300;
}

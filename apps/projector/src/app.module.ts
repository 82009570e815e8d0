import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { etaConfig, LiveModule } from '#libs/live';
import { HealthModule } from '#libs/platform';
import { RedisHealthCheck, RedisModule } from '#libs/redis';
import { DatabaseHealthCheck, DatabaseModule } from '#libs/timescale';
import { DerivedEventsPublisher } from './derived/derived-events.publisher';
import { DERIVED_OPTIONS, type DerivedOptions } from './derived/derived.options';
import { DerivedProjection } from './derived/derived.projection';
import { DispatchViewsRepository } from './derived/dispatch-views.repository';
import { KafkaDerivedEventsPublisher } from './derived/kafka-derived-events.publisher';
import { PostgresDispatchViewsRepository } from './derived/postgres-dispatch-views.repository';
import { RedisTrackingStateStore } from './derived/redis-tracking-state.store';
import { TrackingStateStore } from './derived/tracking-state.store';
import { DispatchProjection } from './dispatch/dispatch.projection';
import { PresenceProjection } from './presence/presence.projection';
import type { ProjectorEnv } from './projector.env';
import { ProjectionsController } from './projections.controller';
import { ProjectorLifecycle } from './projector.lifecycle';
import { PROJECTOR_OPTIONS, type ProjectorOptions } from './projector.options';
import { LivePositionsProjection } from './telemetry/live-positions.projection';
import { TelemetryHistoryProjection } from './telemetry/telemetry-history.projection';

@Module({})
export class AppModule {
  static forRoot(config: ProjectorEnv, logger: Logger): DynamicModule {
    const derived: DerivedOptions = {
      fence: { marginM: config.GEOFENCE_MARGIN_M, dwellMs: config.GEOFENCE_DWELL_S * 1000, maxAccuracyM: config.GEOFENCE_MAX_ACCURACY_M },
      eta: etaConfig(config),
      signalLostAfterMs: config.SIGNAL_LOST_AFTER_S * 1000,
      fenceCacheMs: 30_000,
    };
    const projector: ProjectorOptions = {
      projections: config.PROJECTOR_PROJECTIONS,
      logger,
      signalSweepMs: Math.min(30_000, (config.SIGNAL_LOST_AFTER_S * 1000) / 4),
    };
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forEnv(config, logger, true),
        KafkaModule.forEnv(config, 'projector', logger),
        RedisModule.forEnv(config, logger),
        LiveModule.forEnv(config),
        HealthModule.forRoot([DatabaseHealthCheck, KafkaHealthCheck, RedisHealthCheck]),
      ],
      controllers: [ProjectionsController],
      providers: [
        { provide: DERIVED_OPTIONS, useValue: derived },
        { provide: PROJECTOR_OPTIONS, useValue: projector },
        TelemetryHistoryProjection,
        LivePositionsProjection,
        DispatchProjection,
        PresenceProjection,
        { provide: DispatchViewsRepository, useClass: PostgresDispatchViewsRepository },
        { provide: TrackingStateStore, useClass: RedisTrackingStateStore },
        { provide: DerivedEventsPublisher, useClass: KafkaDerivedEventsPublisher },
        DerivedProjection,
        ProjectorLifecycle,
      ],
    };
  }
}

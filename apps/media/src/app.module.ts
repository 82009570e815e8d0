import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { AccessTokenVerifier, accessTokenVerifierFromEnv, HealthModule } from '#libs/platform';
import { RedisHealthCheck, RedisModule } from '#libs/redis';
import { CallsController } from './calls/calls.controller';
import { CallsService } from './calls/calls.service';
import { MediaMetrics } from './engine/media.metrics';
import { MediaWorkersHealthCheck } from './engine/media-workers.health';
import { WorkerPool } from './engine/worker-pool';
import { CallerGuard } from './http/caller.guard';
import type { MediaEnv } from './media.env';
import { MEDIA_OPTIONS, type MediaOptions } from './media.options';
import { MediaGateway } from './signaling/media.gateway';

@Module({})
export class AppModule {
  static forRoot(config: MediaEnv, logger: Logger): DynamicModule {
    const options: MediaOptions = {
      logger,
      nodeId: `${hostname()}-${process.pid}`,
      workers: config.MEDIA_WORKERS,
      listenIp: config.MEDIA_LISTEN_IP,
      ...(config.MEDIA_ANNOUNCED_ADDRESS ? { announcedAddress: config.MEDIA_ANNOUNCED_ADDRESS } : {}),
      rtcPort: config.MEDIA_RTC_PORT,
      policy: { ringTimeoutMs: config.CALL_RING_TIMEOUT_S * 1000, maxParticipants: config.CALL_MAX_PARTICIPANTS },
      rejoinGraceMs: config.CALL_REJOIN_GRACE_S * 1000,
      maxIncomingBitrate: config.MEDIA_MAX_INCOMING_BITRATE,
      ...(config.TURN_URLS && config.TURN_SECRET ? { turn: { urls: config.TURN_URLS.split(','), secret: config.TURN_SECRET, ttlS: config.TURN_CREDENTIAL_TTL_S } } : {}),
      iceTransportPolicy: config.MEDIA_ICE_TRANSPORT_POLICY,
      recordingsDir: resolve(config.MEDIA_RECORDINGS_DIR),
      workerBin: config.MEDIASOUP_WORKER_BIN,
    };
    return {
      module: AppModule,
      imports: [
        KafkaModule.forEnv(config, 'media', logger),
        RedisModule.forEnv(config, logger),
        // Not ready without a mediasoup worker, saying why (the app still serves and refuses calls with 503).
        HealthModule.forRoot([KafkaHealthCheck, RedisHealthCheck, MediaWorkersHealthCheck]),
      ],
      controllers: [CallsController],
      providers: [
        { provide: AccessTokenVerifier, useValue: accessTokenVerifierFromEnv(config, 'media', logger) },
        { provide: MEDIA_OPTIONS, useValue: options },
        MediaMetrics,
        { provide: APP_GUARD, useClass: CallerGuard },
        WorkerPool,
        HealthIndicatorService,
        MediaWorkersHealthCheck,
        CallsService,
        MediaGateway,
      ],
    };
  }
}

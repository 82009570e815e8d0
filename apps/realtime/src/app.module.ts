import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { LiveModule } from '#libs/live';
import { AccessTokenVerifier, accessTokenVerifierFromEnv, HealthModule, instanceName } from '#libs/platform';
import { RedisHealthCheck, RedisModule } from '#libs/redis';
import { ChatService } from './chat/chat.service';
import { FeedHub } from './feed/feed.hub';
import { RealtimeGateway } from './gateway/realtime.gateway';
import { StatsController } from './gateway/stats.controller';
import { PresenceService } from './presence/presence.service';
import { PresenceStore } from './presence/presence.store';
import { RedisPresenceStore } from './presence/redis-presence.store';
import type { RealtimeEnv } from './realtime.env';
import { REALTIME_OPTIONS, type RealtimeOptions } from './realtime.options';

@Module({})
export class AppModule {
  static forRoot(config: RealtimeEnv, logger: Logger): DynamicModule {
    const options: RealtimeOptions = {
      logger,
      // each process of REALTIME_PROCESSES is a node of its own
      nodeId: instanceName(config.REALTIME_NODE_ID, config.REALTIME_PROCESS_INDEX),
      maxConnections: config.REALTIME_MAX_CONNECTIONS,
      heartbeatMs: config.REALTIME_HEARTBEAT_S * 1000,
      highWaterBytes: config.REALTIME_HIGH_WATER_BYTES,
      maxQueued: config.REALTIME_MAX_QUEUED,
      presenceTtlMs: config.PRESENCE_TTL_S * 1000,
      presenceIdleMs: config.PRESENCE_IDLE_AFTER_S * 1000,
    };
    return {
      module: AppModule,
      imports: [
        KafkaModule.forEnv(config, 'realtime', logger),
        RedisModule.forEnv(config, logger),
        LiveModule.forEnv(config),
        HealthModule.forRoot([KafkaHealthCheck, RedisHealthCheck]),
      ],
      controllers: [StatsController],
      providers: [
        { provide: AccessTokenVerifier, useValue: accessTokenVerifierFromEnv(config, 'realtime', logger) },
        { provide: REALTIME_OPTIONS, useValue: options },
        { provide: PresenceStore, useClass: RedisPresenceStore },
        FeedHub,
        PresenceService,
        ChatService,
        RealtimeGateway,
      ],
    };
  }
}

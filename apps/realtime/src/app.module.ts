import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { HealthModule } from '#libs/platform';
import { RedisHealthCheck, RedisModule } from '#libs/redis';
import type { RealtimeEnv } from './realtime.env';

@Module({})
export class AppModule {
  static forRoot(config: RealtimeEnv, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KafkaModule.forEnv(config, 'realtime', logger),
        RedisModule.forEnv(config, logger),
        HealthModule.forRoot([KafkaHealthCheck, RedisHealthCheck]),
      ],
    };
  }
}

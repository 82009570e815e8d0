import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaHealthCheck, KafkaModule } from '#libs/kafka';
import { HealthModule } from '#libs/platform';
import { RedisHealthCheck, RedisModule } from '#libs/redis';
import { DatabaseHealthCheck, DatabaseModule } from '#libs/timescale';
import type { ProjectorEnv } from './projector.env';

@Module({})
export class AppModule {
  static forRoot(config: ProjectorEnv, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forEnv(config, logger, true),
        KafkaModule.forEnv(config, 'projector', logger),
        RedisModule.forEnv(config, logger),
        HealthModule.forRoot([DatabaseHealthCheck, KafkaHealthCheck, RedisHealthCheck]),
      ],
    };
  }
}

import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { RedisHealthCheck } from './redis.health';
import { REDIS_OPTIONS, type RedisOptions, RedisService } from './redis.service';

@Global()
@Module({})
export class RedisModule {
  static forRoot(options: RedisOptions): DynamicModule {
    return {
      module: RedisModule,
      providers: [{ provide: REDIS_OPTIONS, useValue: options }, RedisService, HealthIndicatorService, RedisHealthCheck],
      exports: [RedisService, RedisHealthCheck],
    };
  }

  static forEnv(env: { REDIS_URL: string }, logger: Logger): DynamicModule {
    return RedisModule.forRoot({ url: env.REDIS_URL, logger });
  }
}

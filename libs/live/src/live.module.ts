import { type DynamicModule, Global, Module } from '@nestjs/common';
import { LIVE_OPTIONS, type LiveOptions, LiveStateStore } from './live-state.store';

/** Live state and feed over the app's RedisModule. */
@Global()
@Module({})
export class LiveModule {
  static forRoot(options: LiveOptions): DynamicModule {
    return {
      module: LiveModule,
      providers: [{ provide: LIVE_OPTIONS, useValue: options }, LiveStateStore],
      exports: [LiveStateStore],
    };
  }

  static forEnv(env: { FEED_MAX_LEN: number; FEED_MAX_AGE_S: number; REDIS_WAIT_REPLICAS?: number; REDIS_WAIT_TIMEOUT_MS?: number }): DynamicModule {
    return LiveModule.forRoot({
      feedMaxLen: env.FEED_MAX_LEN,
      feedMaxAgeMs: env.FEED_MAX_AGE_S * 1000,
      waitReplicas: env.REDIS_WAIT_REPLICAS,
      waitTimeoutMs: env.REDIS_WAIT_TIMEOUT_MS,
    });
  }
}

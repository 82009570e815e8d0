export { withRedisEnv } from './redis.env';
export { RedisHealthCheck } from './redis.health';
export { RedisModule } from './redis.module';
export { REDIS_OPTIONS, type RedisOptions, RedisService } from './redis.service';

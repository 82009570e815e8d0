export { withRedisEnv } from './redis.env';
export { RedisHealthCheck } from './redis.health';
export { RedisModule } from './redis.module';
export { redisConnection, type RedisTarget, redisTarget } from './redis-url';
export { REDIS_OPTIONS, type RedisOptions, RedisService } from './redis.service';
export { type GuessFailure, GuessLimiter, type GuessPolicy, type GuessSubject, lockSchedule, retryAfterSeconds, addressKey } from './guess-limiter';
export { guessPolicy, withGuessLimitEnv } from './guess-limiter.env';

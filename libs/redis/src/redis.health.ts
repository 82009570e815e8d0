import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { READINESS_TIMEOUT_MS, type ReadinessCheck } from '#libs/platform';
import { RedisService } from './redis.service';

@Injectable()
export class RedisHealthCheck implements ReadinessCheck {
  constructor(
    private readonly redis: RedisService,
    private readonly health: HealthIndicatorService,
  ) {}

  check() {
    return this.health
      .check('redis')
      .attempt(() => this.redis.ping())
      .withTimeout(READINESS_TIMEOUT_MS);
  }
}

import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { READINESS_TIMEOUT_MS, type ReadinessCheck } from '#libs/platform';
import { KafkaService } from './kafka.service';

@Injectable()
export class KafkaHealthCheck implements ReadinessCheck {
  constructor(
    private readonly kafka: KafkaService,
    private readonly health: HealthIndicatorService,
  ) {}

  check() {
    return this.health
      .check('kafka')
      .attempt(() => this.kafka.ping())
      .withTimeout(READINESS_TIMEOUT_MS);
  }
}

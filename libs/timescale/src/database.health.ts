import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { READINESS_TIMEOUT_MS, type ReadinessCheck } from '#libs/platform';
import { DatabaseService } from './database.service';

@Injectable()
export class DatabaseHealthCheck implements ReadinessCheck {
  constructor(
    private readonly db: DatabaseService,
    private readonly health: HealthIndicatorService,
  ) {}

  check() {
    return this.health
      .check('timescaledb')
      .attempt(() => this.db.ping())
      .withTimeout(READINESS_TIMEOUT_MS);
  }
}

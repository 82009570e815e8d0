import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { ReadinessCheck } from '#libs/platform';
import { WorkerPool } from './worker-pool';

/** Ready only with a running worker; the reason otherwise (GET /health/ready). */
@Injectable()
export class MediaWorkersHealthCheck implements ReadinessCheck {
  constructor(
    private readonly pool: WorkerPool,
    private readonly health: HealthIndicatorService,
  ) {}

  async check() {
    const indicator = this.health.check('mediasoup');
    const reason = this.pool.unavailableReason;
    return reason ? indicator.down({ reason }) : indicator.up();
  }
}

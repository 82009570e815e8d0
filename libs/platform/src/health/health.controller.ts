import { Controller, Get, Inject, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { PublicRoute } from '../http/public-route';
import type { ReadinessCheck } from './readiness-check';

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Probes for orchestrators and load balancers: never behind authentication. */
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(READINESS_CHECKS) private readonly checkTypes: Type<ReadinessCheck>[],
    private readonly moduleRef: ModuleRef,
  ) {}

  private get checks(): ReadinessCheck[] {
    return this.checkTypes.map((type) => this.moduleRef.get(type, { strict: false }));
  }

  /** The process runs and its event loop answers; never depends on other services (no restart storms). */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Every piece of infrastructure this app uses answers; 503 with the failing ones otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.checks.map((c) => () => c.check()));
  }
}

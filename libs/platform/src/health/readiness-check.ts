import type { HealthIndicatorResult } from '@nestjs/terminus';

/** One piece of infrastructure an app needs before it can serve: each adapter lib provides its own. */
export interface ReadinessCheck {
  check(): PromiseLike<HealthIndicatorResult>;
}

/** How long /health/ready waits for one dependency before calling it down. */
export const READINESS_TIMEOUT_MS = 3000;

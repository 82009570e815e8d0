import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DerivedProjection } from './derived/derived.projection';
import { PROJECTOR_OPTIONS, type ProjectorOptions } from './projector.options';

/** The signal-lost sweep, with the `derived` projection (its handler runs on the Kafka transport): started with the app, stopped with it. */
@Injectable()
export class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly derived: DerivedProjection,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.projections.includes('derived')) return;
    this.sweep = setInterval(() => {
      this.derived.sweepSignals().catch((error: unknown) => this.options.logger.warn({ err: (error as Error).message }, 'signal sweep failed; retrying next round'));
    }, this.options.signalSweepMs);
    this.sweep.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
  }
}

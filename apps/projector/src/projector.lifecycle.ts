import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DerivedProjection } from './derived/derived.projection';
import { DispatchProjection } from './dispatch/dispatch.projection';
import { PresenceProjection } from './presence/presence.projection';
import type { ProjectionName } from './projector.env';
import { PROJECTOR_OPTIONS, type ProjectorOptions } from './projector.options';
import { type Projection, ProjectionRunner } from './runner/projection.runner';
import { LivePositionsProjection } from './telemetry/live-positions.projection';
import { TelemetryHistoryProjection } from './telemetry/telemetry-history.projection';

/** Starts the configured projections once the app is up, and the signal-lost sweep with `derived`; stops the sweep on shutdown. */
@Injectable()
export class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly history: TelemetryHistoryProjection,
    private readonly positions: LivePositionsProjection,
    private readonly dispatch: DispatchProjection,
    private readonly presence: PresenceProjection,
    private readonly derived: DerivedProjection,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const all: Record<ProjectionName, Projection> = {
      history: this.history,
      positions: this.positions,
      dispatch: this.dispatch,
      presence: this.presence,
      derived: this.derived,
    };
    for (const name of this.options.projections) await this.runner.start(all[name], this.options.logger, { prefix: this.options.groupPrefix, sessionTimeoutMs: this.options.sessionTimeoutMs });
    this.options.logger.info({ projections: this.options.projections }, 'projections running');
    if (this.options.projections.includes('derived')) {
      this.sweep = setInterval(() => {
        this.derived.sweepSignals().catch((error: unknown) => this.options.logger.warn({ err: (error as Error).message }, 'signal sweep failed; retrying next round'));
      }, this.options.signalSweepMs);
      this.sweep.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweep);
  }
}

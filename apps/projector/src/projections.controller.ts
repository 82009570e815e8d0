import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { FieldlineEvent } from '#libs/events';
import { KafkaBatchContext, RethrowRpcErrors } from '#libs/kafka';
import { LiveStateStore } from '#libs/live';
import { DERIVED_CONSUMER, DerivedProjection } from './derived/derived.projection';
import { DISPATCH_CONSUMER, DispatchProjection } from './dispatch/dispatch.projection';
import { PRESENCE_CONSUMER, PresenceProjection } from './presence/presence.projection';
import { PROJECTOR_OPTIONS, type ProjectorOptions } from './projector.options';
import { POSITIONS_CONSUMER, LivePositionsProjection } from './telemetry/live-positions.projection';
import { HISTORY_CONSUMER, TelemetryHistoryProjection } from './telemetry/telemetry-history.projection';

/**
 * The projections as Nest event handlers on the Kafka transport (KafkaEventsServer): each pattern is
 * a consumer group (`<PROJECTOR_GROUP_PREFIX>-<pattern>`) getting batches of parsed events; the
 * extras say which topics and how. History and live positions are two groups over the same topic on
 * purpose: a slow database delays history, never the map. PROJECTOR_PROJECTIONS picks which run.
 * The groups that write live state wait for Redis' replica (REDIS_WAIT_REPLICAS) before their offsets
 * move. (`EventPattern<string>`: the untyped overload, so a handler may take its batch context too.)
 */
@Controller()
@UseFilters(RethrowRpcErrors)
export class ProjectionsController {
  constructor(
    private readonly historyProjection: TelemetryHistoryProjection,
    private readonly positionsProjection: LivePositionsProjection,
    private readonly dispatchProjection: DispatchProjection,
    private readonly presenceProjection: PresenceProjection,
    private readonly derivedProjection: DerivedProjection,
    private readonly live: LiveStateStore,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
  ) {}

  @EventPattern<string>('history', HISTORY_CONSUMER)
  history(@Payload() events: FieldlineEvent[], @Ctx() context: KafkaBatchContext): Promise<void> {
    return this.historyProjection.apply(events, context);
  }

  @EventPattern<string>('positions', POSITIONS_CONSUMER)
  positions(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.replicated(this.positionsProjection.apply(events));
  }

  @EventPattern<string>('dispatch', DISPATCH_CONSUMER)
  dispatch(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.replicated(this.dispatchProjection.apply(events));
  }

  @EventPattern<string>('presence', PRESENCE_CONSUMER)
  presence(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.replicated(this.presenceProjection.apply(events));
  }

  @EventPattern<string>('derived', DERIVED_CONSUMER)
  derived(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.replicated(this.derivedProjection.apply(events));
  }

  /** The batch's live writes, then the replicas' hold of them; a replica away is logged once, not waited for. */
  private async replicated(apply: Promise<void>): Promise<void> {
    await apply;
    const { wanted, acked, away, changed } = await this.live.replicated();
    if (changed && away) this.options.logger.warn({ context: 'projector', wanted, acked }, 'Redis replica did not confirm live writes in time; going on without it');
    if (changed && !away) this.options.logger.info({ context: 'projector' }, 'Redis replica confirms live writes again');
  }
}

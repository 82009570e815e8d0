import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { FieldlineEvent } from '#libs/events';
import { KafkaBatchContext, RethrowRpcErrors } from '#libs/kafka';
import { DERIVED_CONSUMER, DerivedProjection } from './derived/derived.projection';
import { DISPATCH_CONSUMER, DispatchProjection } from './dispatch/dispatch.projection';
import { PRESENCE_CONSUMER, PresenceProjection } from './presence/presence.projection';
import { POSITIONS_CONSUMER, LivePositionsProjection } from './telemetry/live-positions.projection';
import { HISTORY_CONSUMER, TelemetryHistoryProjection } from './telemetry/telemetry-history.projection';

/**
 * The projections as Nest event handlers on the Kafka transport (KafkaEventsServer): each pattern is
 * a consumer group (`<PROJECTOR_GROUP_PREFIX>-<pattern>`) getting batches of parsed events; the
 * extras say which topics and how. History and live positions are two groups over the same topic on
 * purpose: a slow database delays history, never the map. PROJECTOR_PROJECTIONS picks which run.
 * (`EventPattern<string>`: the untyped overload, so a handler may take its batch context too.)
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
  ) {}

  @EventPattern<string>('history', HISTORY_CONSUMER)
  history(@Payload() events: FieldlineEvent[], @Ctx() context: KafkaBatchContext): Promise<void> {
    return this.historyProjection.apply(events, context);
  }

  @EventPattern<string>('positions', POSITIONS_CONSUMER)
  positions(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.positionsProjection.apply(events);
  }

  @EventPattern<string>('dispatch', DISPATCH_CONSUMER)
  dispatch(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.dispatchProjection.apply(events);
  }

  @EventPattern<string>('presence', PRESENCE_CONSUMER)
  presence(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.presenceProjection.apply(events);
  }

  @EventPattern<string>('derived', DERIVED_CONSUMER)
  derived(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.derivedProjection.apply(events);
  }
}

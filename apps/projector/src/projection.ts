import type { FieldlineEvent } from '#libs/events';
import type { KafkaBatchContext } from '#libs/kafka';

/**
 * A projection: a pure-ish reaction to a batch of events that writes idempotently. Its handler in
 * ProjectionsController is a Kafka consumer group; offsets move only after `apply` resolved, so a
 * crash replays, never skips.
 */
export interface Projection {
  apply(events: FieldlineEvent[], context?: KafkaBatchContext): Promise<void>;
}

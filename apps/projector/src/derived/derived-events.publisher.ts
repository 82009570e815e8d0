import type { FieldlineEvent } from '#libs/events';

/** Where derived events go (fieldline.derived.v1); resolves once the broker has them. */
export abstract class DerivedEventsPublisher {
  abstract publish(events: FieldlineEvent[]): Promise<void>;
}

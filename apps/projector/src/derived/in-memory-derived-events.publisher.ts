import type { FieldlineEvent } from '#libs/events';
import { DerivedEventsPublisher } from './derived-events.publisher';

/** The twin for unit tests: what was published, in order. */
export class InMemoryDerivedEventsPublisher extends DerivedEventsPublisher {
  readonly published: FieldlineEvent[] = [];

  async publish(events: FieldlineEvent[]): Promise<void> {
    this.published.push(...events);
  }
}

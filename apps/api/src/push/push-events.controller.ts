import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type FieldlineEvent, topics } from '#libs/events';
import { RethrowRpcErrors } from '#libs/kafka';
import { PushNotifier } from './push-notifier.service';

/** Push notifications, a handler on the Kafka transport with its own consumer group (PUSH_CONSUMER_GROUP). */
@Controller()
@UseFilters(RethrowRpcErrors)
export class PushEventsController {
  constructor(private readonly notifier: PushNotifier) {}

  @EventPattern<string>('push', { topics: [topics.dispatch.name, topics.media.name, topics.derived.name] })
  notify(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.notifier.handle(events);
  }
}

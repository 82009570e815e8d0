import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type FieldlineEvent, topics } from '#libs/events';
import { RethrowRpcErrors } from '#libs/kafka';
import { WebhookDeliveryService } from './webhook-delivery.service';

/**
 * The dispatch topic → webhook delivery rows, as a Nest event handler on the Kafka transport
 * (KafkaEventsServer, consumer group WEBHOOK_CONSUMER_GROUP). A new group reads from the start: the
 * API serves before the group has joined, and events committed meanwhile must not be skipped (older
 * events make no deliveries, and deliveries are idempotent).
 */
@Controller()
@UseFilters(RethrowRpcErrors)
export class WebhookEventsController {
  constructor(private readonly deliveries: WebhookDeliveryService) {}

  @EventPattern<string>('webhooks', { topics: [topics.dispatch.name] })
  fanOut(@Payload() events: FieldlineEvent[]): Promise<void> {
    return this.deliveries.fanOut(events);
  }
}

import { Injectable } from '@nestjs/common';
import { type FieldlineEvent, keyFor, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { DerivedEventsPublisher } from './derived-events.publisher';

@Injectable()
export class KafkaDerivedEventsPublisher extends DerivedEventsPublisher {
  constructor(private readonly kafka: KafkaService) {
    super();
  }

  async publish(events: FieldlineEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.kafka.send(
      events.map((e) => ({ topic: topicFor(e), key: keyFor(e), value: serializeEvent(e), headers: { 'tenant-id': e.tenantId, 'event-type': e.type } })),
    );
  }
}

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';
import { parseEvent, topics } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { MqttBrokerService } from '#libs/mqtt';
import { INGEST_OPTIONS } from '../ingest.options';

/**
 * Delivers `device.command_issued` events (from the API's outbox) to the device's command topic,
 * QoS 1. A device that keeps a persistent session (clean session off) and is offline gets it queued
 * by the broker and delivered when it returns. Offsets are committed only after the broker took the
 * message. With several ingest instances each broker holds its own sessions: commands then need the
 * scale-out mode (one shared external broker), which is not built yet.
 */
@Injectable()
export class DownlinkConsumer implements OnApplicationBootstrap {
  private consumer?: Consumer;

  constructor(
    private readonly kafka: KafkaService,
    private readonly broker: MqttBrokerService,
    @Inject(INGEST_OPTIONS) private readonly options: { logger: Logger },
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: 'fieldline-ingest-downlink' });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topics.dispatch.name, fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        if (message.headers?.['event-type']?.toString() !== 'device.command_issued') return;
        const parsed = message.value ? parseEvent(message.value) : undefined;
        if (!parsed?.ok || parsed.event.type !== 'device.command_issued') return;
        const { deviceId, commandId, command, args } = parsed.event.data;
        const payload = Buffer.from(JSON.stringify({ id: commandId, command, ...(args ? { args } : {}), issuedAt: parsed.event.occurredAt }));
        await new Promise<void>((resolve, reject) =>
          this.broker.broker.publish({ cmd: 'publish', topic: `fieldline/v1/${deviceId}/cmd`, payload, qos: 1, retain: false, dup: false }, (error) => (error ? reject(error) : resolve())),
        );
        this.options.logger.info({ context: 'downlink', deviceId, commandId, command }, 'command handed to the broker');
      },
    });
  }
}

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { parseEvent, topics } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { MqttBrokerService } from '#libs/mqtt';
import { INGEST_OPTIONS, type IngestOptions } from '../ingest.options';
import type { DeviceClient } from './mqtt.gateway';

/** What ingest must act on at once: the sessions these events end. */
const ENDING = new Set(['device.revoked', 'device.certificate_revoked']);

/**
 * Closes the live sessions a revocation ends: every session of a revoked device, and the sessions a
 * revoked certificate logged in. Its next connect is refused by the directory. Each ingest process
 * holds its own sessions, so each reads every revocation: a consumer group per process (`nodeId`),
 * from the end of the topic (a process that starts later holds no session from before).
 */
@Injectable()
export class DeviceRevocationsConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly kafka: KafkaService,
    private readonly broker: MqttBrokerService,
    @Inject(INGEST_OPTIONS) private readonly options: IngestOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `fieldline-ingest-revocations-${this.options.nodeId}` });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.dispatch.name, fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!ENDING.has(message.headers?.['event-type']?.toString() ?? '')) return;
        const parsed = message.value ? parseEvent(message.value) : undefined;
        if (!parsed?.ok) return;
        const { event } = parsed;
        if (event.type !== 'device.revoked' && event.type !== 'device.certificate_revoked') return;
        const serial = event.type === 'device.certificate_revoked' ? event.data.serial : undefined;
        const ended = (this.broker.clients() as DeviceClient[]).filter(
          (client) => client.device?.deviceId === event.data.deviceId && client.device.tenantId === event.tenantId && (serial === undefined || client.certificateSerial === serial),
        );
        for (const client of ended) client.close();
        if (ended.length > 0) this.options.logger.info({ context: 'mqtt.revocation', deviceId: event.data.deviceId, serial, sessions: ended.length, type: event.type }, 'revoked: live sessions closed');
      },
    });
  }
}

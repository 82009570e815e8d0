import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { parseEvent, topics } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { MqttBrokerService } from '#libs/mqtt';
import { RedisService } from '#libs/redis';
import { INGEST_OPTIONS, type IngestOptions } from '../ingest.options';

/** How long a command id is remembered: longer than any redelivery (outbox retry, Kafka rebalance). */
const HANDED_OVER_TTL_S = 7 * 24 * 3600;
/**
 * A command is interactive: when an ingest process dies, the partitions it read move to another after
 * this long (kafkajs' default is 30 s), heartbeats every second keep a live one well inside it.
 */
const SESSION_TIMEOUT_MS = 10_000;

/**
 * Delivers `device.command_issued` events (from the API's outbox) to the device's command topic,
 * QoS 1. A device that keeps a persistent session (clean session off) and is offline gets it queued
 * by the broker and delivered when it returns. Offsets are committed only after the broker took the
 * message. One consumer group for every ingest process: with sessions in Redis (MQTT_SESSIONS=redis)
 * the broker's publish reaches the device whichever process holds it, and queues it in Redis when it
 * is offline. A command Kafka hands over again (a process killed before it committed) is not published
 * again: its id is marked in Redis once the broker took it. Marked after, not before: a process killed
 * between the two makes a duplicate (QoS 1 allows it, the command carries its id), never a loss.
 */
@Injectable()
export class DownlinkConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: Consumer;

  constructor(
    private readonly kafka: KafkaService,
    private readonly broker: MqttBrokerService,
    private readonly redis: RedisService,
    @Inject(INGEST_OPTIONS) private readonly options: IngestOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: 'fieldline-ingest-downlink', sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 1_000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topics.dispatch.name, fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        if (message.headers?.['event-type']?.toString() !== 'device.command_issued') return;
        const parsed = message.value ? parseEvent(message.value) : undefined;
        if (!parsed?.ok || parsed.event.type !== 'device.command_issued') return;
        const { deviceId, commandId, command, args } = parsed.event.data;
        const payload = Buffer.from(JSON.stringify({ id: commandId, command, ...(args ? { args } : {}), issuedAt: parsed.event.occurredAt }));
        const mark = `fl:${parsed.event.tenantId}:command-handed-over:${commandId}`;
        if ((await this.redis.client.exists(mark)) === 1) {
          this.options.logger.info({ context: 'downlink', deviceId, commandId }, 'command already handed to the broker: not again');
          return;
        }
        // resolves once aedes queued it for an offline persistent session (in Redis) and emitted it to live ones
        await new Promise<void>((resolve, reject) =>
          this.broker.broker.publish({ cmd: 'publish', topic: `fieldline/v1/${deviceId}/cmd`, payload, qos: 1, retain: false, dup: false }, (error) => (error ? reject(error) : resolve())),
        );
        await this.redis.client.set(mark, this.options.nodeId, 'EX', HANDED_OVER_TTL_S);
        this.options.logger.info({ context: 'downlink', deviceId, commandId, command }, 'command handed to the broker');
      },
    });
  }

  /** Stops taking commands before the broker closes (its hooks run later): one in hand is published and committed first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

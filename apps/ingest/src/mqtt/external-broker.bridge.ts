import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import mqtt, { type MqttClient } from 'mqtt';
import { Clock, type ReadinessCheck } from '#libs/platform';
import { DeviceDirectory } from '../devices/device-directory.service';
import { BRIDGE_OPTIONS, type BridgeOptions, INGEST_OPTIONS, type IngestOptions } from '../ingest.options';
import { mapMessage } from '../telemetry/telemetry-mapper';
import { TelemetryPublisher } from '../telemetry/telemetry.publisher';
import { mayPublish } from './device-topics';

/**
 * Scale-out mode: devices connect to an external broker (mosquitto — which also speaks MQTT 5); every
 * ingest instance subscribes with an MQTT 5 shared subscription, so the broker hands each message to
 * exactly one of them. The ingest instance acknowledges a message to the broker only after Kafka
 * acknowledged it (mqtt.js customHandleAcks), so a crash leaves it with the broker for redelivery.
 * Authentication and the ACL are the external broker's job in this mode (configure them there);
 * ingest still refuses topics a device does not own.
 */
@Injectable()
export class ExternalBrokerBridge implements OnApplicationBootstrap, OnApplicationShutdown, ReadinessCheck {
  private client?: MqttClient;

  constructor(
    private readonly devices: DeviceDirectory,
    private readonly telemetry: TelemetryPublisher,
    private readonly health: HealthIndicatorService,
    private readonly clock: Clock,
    @Inject(BRIDGE_OPTIONS) private readonly options: BridgeOptions,
    @Inject(INGEST_OPTIONS) private readonly ingest: IngestOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { url, nodeId, shareGroup } = this.options;
    this.client = await mqtt.connectAsync(url, {
      protocolVersion: 5,
      clientId: `fieldline-ingest-${nodeId}`,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      reconnectPeriod: 1000,
      customHandleAcks: (topic, payload, _packet, ack) => {
        this.handle(topic, payload).then(
          () => ack(0),
          (error: unknown) => {
            // Not acknowledged: the broker keeps it for this session and delivers it again.
            this.ingest.logger.warn({ context: 'bridge', topic, err: (error as Error).message }, 'message not handed to Kafka; left with the broker');
          },
        );
      },
    });
    const filters = [`$share/${shareGroup}/fieldline/v1/+/+`, `$share/${shareGroup}/owntracks/#`];
    await this.client.subscribeAsync(filters, { qos: 1 });
    this.ingest.logger.info({ context: 'bridge', url, nodeId, filters }, 'subscribed to the external broker');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.endAsync();
  }

  check() {
    const indicator = this.health.check('mqtt');
    return Promise.resolve(this.client?.connected ? indicator.up({ mode: 'external' }) : indicator.down({ mode: 'external', message: 'not connected to the external broker' }));
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    if (topic.endsWith('/cmd')) return; // downlink traffic, not ours to ingest
    const device = await this.devices.byTopic(topic);
    if (!device || !mayPublish(device, topic)) {
      // The tenant is unknown here: the record says so (tenantId null) and keeps the topic as its source.
      await this.telemetry.deadLetter({ deviceId: topic.slice(0, 200), tenantId: null }, 'unsupported_message', 'no active device owns this topic', payload, 'ingest.bridge');
      return;
    }
    if (payload.length > this.ingest.maxPayloadBytes) {
      await this.telemetry.deadLetter(device, 'payload_too_large', `${payload.length} bytes > ${this.ingest.maxPayloadBytes}`, payload.subarray(0, this.ingest.maxPayloadBytes), 'ingest.bridge');
      return;
    }
    await this.telemetry.publish(device, mapMessage(topic, payload, device, this.clock.now(), this.ingest), payload, 'ingest.bridge', { 'ingest-node': this.options.nodeId });
  }
}

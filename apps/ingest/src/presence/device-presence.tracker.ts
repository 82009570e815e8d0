import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Client } from 'aedes';
import { type EventData, keyFor, newEnvelope, type PresenceEventType, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { MqttBrokerService } from '#libs/mqtt';
import { Clock } from '#libs/platform';
import type { KnownDevice } from '../devices/device.repository';
import { PRESENCE_OPTIONS, type PresenceOptions } from '../ingest.options';
import { PresenceSessions } from './presence-sessions';

type DeviceClient = Client & { device?: KnownDevice };

/**
 * Device presence from the broker's own events: online when its first session connects, offline
 * (with the reason: disconnect, keepalive timeout, connection error) when its last one goes, stale
 * when connected but silent (the rules: PresenceSessions). Events go to the presence topic keyed by device.
 */
@Injectable()
export class DevicePresence implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sessions = new PresenceSessions();
  private readonly endings = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly broker: MqttBrokerService,
    private readonly kafka: KafkaService,
    private readonly clock: Clock,
    @Inject(PRESENCE_OPTIONS) private readonly options: PresenceOptions,
  ) {}

  onApplicationBootstrap(): void {
    const aedes = this.broker.broker;
    aedes.on('clientReady', (client) => this.connected(client as DeviceClient));
    aedes.on('keepaliveTimeout', (client) => this.endings.set(client.id, 'keepalive timeout'));
    aedes.on('clientError', (client, error) => this.endings.set(client.id, `connection error: ${error.message}`));
    aedes.on('clientDisconnect', (client) => this.disconnected(client as DeviceClient));
    aedes.on('publish', (_packet, client) => client && this.seen(client as DeviceClient));
    this.timer = setInterval(() => this.findStale(), this.options.checkEveryMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private connected(client: DeviceClient): void {
    const device = client.device;
    if (!device) return;
    if (this.sessions.open(device, client.id, this.nowMs())) this.emit(device, 'presence.device_connected', { deviceId: device.deviceId, sessionId: client.id });
  }

  private disconnected(client: DeviceClient): void {
    const device = client.device;
    const reason = this.endings.get(client.id) ?? 'disconnected';
    this.endings.delete(client.id);
    if (!device || !this.sessions.close(device.deviceId, client.id)) return;
    this.emit(device, 'presence.device_disconnected', { deviceId: device.deviceId, reason, sessionId: client.id });
  }

  private seen(client: DeviceClient): void {
    if (client.device) this.sessions.seen(client.device.deviceId, this.nowMs());
  }

  private findStale(): void {
    for (const { device, lastSeen } of this.sessions.staleSince(this.nowMs() - this.options.staleAfterS * 1000)) {
      this.emit(device, 'presence.device_stale', { deviceId: device.deviceId, lastSeenAt: new Date(lastSeen).toISOString() });
    }
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private emit<T extends PresenceEventType>(device: KnownDevice, type: T, data: EventData<T>): void {
    const event = newEnvelope({ type, data, tenantId: device.tenantId, streamId: device.deviceId, actor: { kind: 'system', id: 'ingest' } }, { clock: () => this.clock.now() });
    this.kafka
      .send([{ topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': device.tenantId, 'event-type': type } }])
      .catch((error: unknown) => this.options.logger.error({ context: 'presence', deviceId: device.deviceId, type, err: (error as Error).message }, 'presence event not sent'));
  }
}

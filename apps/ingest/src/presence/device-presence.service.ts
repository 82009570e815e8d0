import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import { type EventData, keyFor, newEnvelope, type PresenceEventType, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { MqttBrokerService } from '#libs/mqtt';
import type { KnownDevice } from '../devices/device-directory.service';

export const PRESENCE_OPTIONS = Symbol('PRESENCE_OPTIONS');

export interface PresenceOptions {
  logger: Logger;
  /** A connected device that sends nothing for this long is reported stale (once, until it speaks). */
  staleAfterS: number;
  checkEveryMs: number;
}

interface Tracked {
  device: KnownDevice;
  sessions: Set<string>;
  lastSeen: number;
  stale: boolean;
}

type DeviceClient = Client & { device?: KnownDevice };

/**
 * Device presence from the broker's own events: online when its first session connects, offline
 * (with the reason: disconnect, keepalive timeout, connection error) when its last one goes, stale
 * when connected but silent. Presence is per device, not per connection, so a phone with two sessions
 * does not flap. Events go to the presence topic keyed by device.
 */
@Injectable()
export class DevicePresence implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly devices = new Map<string, Tracked>();
  private readonly endings = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly broker: MqttBrokerService,
    private readonly kafka: KafkaService,
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
    const entry = this.devices.get(device.deviceId) ?? { device, sessions: new Set<string>(), lastSeen: Date.now(), stale: false };
    const first = entry.sessions.size === 0;
    entry.sessions.add(client.id);
    entry.lastSeen = Date.now();
    this.devices.set(device.deviceId, entry);
    if (first) this.emit(device, 'presence.device_connected', { deviceId: device.deviceId, sessionId: client.id });
  }

  private disconnected(client: DeviceClient): void {
    const device = client.device;
    const reason = this.endings.get(client.id) ?? 'disconnected';
    this.endings.delete(client.id);
    const entry = device && this.devices.get(device.deviceId);
    if (!device || !entry || !entry.sessions.delete(client.id)) return;
    if (entry.sessions.size > 0) return;
    this.devices.delete(device.deviceId);
    this.emit(device, 'presence.device_disconnected', { deviceId: device.deviceId, reason, sessionId: client.id });
  }

  private seen(client: DeviceClient): void {
    const entry = client.device && this.devices.get(client.device.deviceId);
    if (!entry) return;
    entry.lastSeen = Date.now();
    entry.stale = false;
  }

  private findStale(): void {
    const limit = Date.now() - this.options.staleAfterS * 1000;
    for (const entry of this.devices.values()) {
      if (entry.stale || entry.lastSeen > limit) continue;
      entry.stale = true;
      this.emit(entry.device, 'presence.device_stale', { deviceId: entry.device.deviceId, lastSeenAt: new Date(entry.lastSeen).toISOString() });
    }
  }

  private emit<T extends PresenceEventType>(device: KnownDevice, type: T, data: EventData<T>): void {
    const event = newEnvelope({ type, data, tenantId: device.tenantId, streamId: device.deviceId, actor: { kind: 'system', id: 'ingest' } });
    this.kafka
      .send([{ topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': device.tenantId, 'event-type': type } }])
      .catch((error: unknown) => this.options.logger.error({ context: 'presence', deviceId: device.deviceId, type, err: (error as Error).message }, 'presence event not sent'));
  }
}

import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Client } from 'aedes';
import { type EventData, keyFor, newEnvelope, type PresenceEventType, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { MqttBrokerService } from '#libs/mqtt';
import { Clock } from '#libs/platform';
import type { KnownDevice } from '../devices/device.repository';
import { PRESENCE_OPTIONS, type PresenceOptions } from '../ingest.options';
import { PresenceSessions } from './presence-sessions';
import { type PresenceDevice, PresenceStore } from './presence.store';

type DeviceClient = Client & { device?: KnownDevice };

/** How often a process says it is alive; one silent for three beats is taken for dead. */
const HEARTBEAT_MS = 5_000;

/**
 * Device presence from the broker's own events: online when its first session connects, offline
 * (with the reason: disconnect, keepalive timeout, connection error) when its last one goes, stale
 * when connected but silent. First and last are counted over every ingest process (PresenceStore, in
 * Redis), so a device whose session moves to another process stays online; silence is watched by the
 * process holding the session (PresenceSessions), which also decides alone while Redis is away.
 * Events go to the presence topic keyed by device.
 */
@Injectable()
export class DevicePresence implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sessions = new PresenceSessions();
  private readonly endings = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly broker: MqttBrokerService,
    private readonly store: PresenceStore,
    private readonly kafka: KafkaService,
    private readonly clock: Clock,
    @Inject(PRESENCE_OPTIONS) private readonly options: PresenceOptions,
  ) {}

  onApplicationBootstrap(): void {
    const aedes = this.broker.broker;
    // 'client', not 'clientReady': it comes before aedes tells the other processes to close this client
    // id's older session, so the new session is counted before the old one ends
    aedes.on('client', (client) => this.connected(client as DeviceClient));
    aedes.on('keepaliveTimeout', (client) => this.endings.set(client.id, 'keepalive timeout'));
    aedes.on('clientError', (client, error) => this.endings.set(client.id, `connection error: ${error.message}`));
    aedes.on('clientDisconnect', (client) => this.disconnected(client as DeviceClient));
    aedes.on('publish', (_packet, client) => client && this.seen(client as DeviceClient));
    this.timer = setInterval(() => this.findStale(), this.options.checkEveryMs);
    this.timer.unref();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    void this.beat();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
  }

  private connected(client: DeviceClient): void {
    const device = client.device;
    if (!device) return;
    const first = this.sessions.open(device, client.id, this.nowMs());
    void this.everywhere('open', device, client.id, first).then((online) => {
      if (online) this.emit(device, 'presence.device_connected', { deviceId: device.deviceId, sessionId: client.id });
    });
  }

  private disconnected(client: DeviceClient): void {
    const device = client.device;
    const reason = this.endings.get(client.id) ?? 'disconnected';
    this.endings.delete(client.id);
    if (!device) return;
    const last = this.sessions.close(device.deviceId, client.id);
    void this.everywhere('close', device, client.id, last).then((offline) => {
      if (offline) this.emit(device, 'presence.device_disconnected', { deviceId: device.deviceId, reason, sessionId: client.id });
    });
  }

  /** The store's answer; this process's own while Redis cannot give one. */
  private async everywhere(change: 'open' | 'close', device: KnownDevice, clientId: string, locally: boolean): Promise<boolean> {
    try {
      return change === 'open' ? await this.store.open(this.broker.brokerId, device, clientId) : await this.store.close(this.broker.brokerId, device.deviceId, clientId);
    } catch (error) {
      this.options.logger.warn({ context: 'presence', deviceId: device.deviceId, err: (error as Error).message }, 'presence store unavailable (Redis): this process decides alone');
      return locally;
    }
  }

  /** Renews this process's heartbeat; ends the sessions of processes that stopped renewing theirs. */
  private async beat(): Promise<void> {
    try {
      await this.store.heartbeat(this.broker.brokerId, HEARTBEAT_MS * 3);
      for (const device of await this.store.sweep()) {
        this.emit(device, 'presence.device_disconnected', { deviceId: device.deviceId, reason: 'ingest process lost' });
      }
    } catch (error) {
      this.options.logger.warn({ context: 'presence', err: (error as Error).message }, 'presence heartbeat failed (Redis)');
    }
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

  private emit<T extends PresenceEventType>(device: PresenceDevice, type: T, data: EventData<T>): void {
    const event = newEnvelope({ type, data, tenantId: device.tenantId, streamId: device.deviceId, actor: { kind: 'system', id: 'ingest' } }, { clock: () => this.clock.now() });
    this.kafka
      .send([{ topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': device.tenantId, 'event-type': type } }])
      .catch((error: unknown) => this.options.logger.error({ context: 'presence', deviceId: device.deviceId, type, err: (error as Error).message }, 'presence event not sent'));
  }
}

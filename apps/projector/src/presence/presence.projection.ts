import { Injectable } from '@nestjs/common';
import { type EventOf, type FieldlineEvent, type PresenceEventType, topics } from '#libs/events';
import { LiveStateStore } from '#libs/live';
import type { DevicePresence } from '#libs/realtime-client';
import { DatabaseService } from '#libs/timescale';
import type { KafkaEventsExtras } from '#libs/kafka';
import type { Projection } from '../projection';

type DevicePresenceEvent = EventOf<'presence.device_connected' | 'presence.device_disconnected' | 'presence.device_stale'>;

const states: Partial<Record<PresenceEventType, DevicePresence['state']>> = {
  'presence.device_connected': 'online',
  'presence.device_disconnected': 'offline',
  'presence.device_stale': 'stale',
};

/**
 * Device presence (from ingest's MQTT sessions) → a presence hash per tenant and the feed, with the
 * technician the device reports for, so a technician's presence reflects their phone. User presence
 * is realtime's own (it sees the sockets).
 */
export const PRESENCE_CONSUMER: KafkaEventsExtras = { topics: [topics.presence.name] };

@Injectable()
export class PresenceProjection implements Projection {
  constructor(
    private readonly db: DatabaseService,
    private readonly live: LiveStateStore,
  ) {}

  async apply(events: FieldlineEvent[]): Promise<void> {
    const deviceEvents = events.filter((e): e is DevicePresenceEvent => e.type in states);
    if (deviceEvents.length === 0) return;
    const { rows } = await this.db.query<{ tenant_id: string; device_id: string; technician_id: string | null }>(
      'SELECT tenant_id, device_id, technician_id FROM devices WHERE device_id = ANY($1)',
      [[...new Set(deviceEvents.map((e) => e.data.deviceId))]],
    );
    const technicianOf = new Map(rows.map((r) => [`${r.tenant_id}|${r.device_id}`, r.technician_id]));
    await Promise.all(
      deviceEvents.map((e) => {
        const technicianId = technicianOf.get(`${e.tenantId}|${e.data.deviceId}`) ?? undefined;
        const doc: DevicePresence = {
          deviceId: e.data.deviceId,
          version: Date.parse(e.occurredAt),
          state: states[e.type]!,
          ...(technicianId ? { technicianId } : {}),
          ...('reason' in e.data ? { reason: e.data.reason } : {}),
          at: e.occurredAt,
        };
        const entry = { kind: 'presence' as const, type: e.type, subjectId: e.data.deviceId, ...(technicianId ? { technicianId } : {}), data: doc };
        // A technician's device also joins or leaves their connected devices, which realtime counts in their presence.
        return technicianId
          ? this.live.applyDevicePresence(e.tenantId, technicianId, doc, doc.state !== 'offline', entry)
          : this.live.applyVersioned(e.tenantId, 'presence', e.data.deviceId, doc, entry);
      }),
    );
  }
}

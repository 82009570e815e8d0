import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { keyFor, newEnvelope, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { Clock } from '#libs/platform';
import type { Principal } from '../auth/principal';
import type { BrowserFixDto } from './dto/tracking.dto';
import { TrackingError } from './tracking.errors';
import { TrackingRepository } from './tracking.repository';

/** A fix may be a little ahead of the server clock (phones drift), not more. */
const MAX_AHEAD_MS = 5 * 60_000;

/**
 * Locations a technician shares from the browser, published like a phone's MQTT fixes: the same
 * event on the same topic, answered only after Kafka acknowledged (acks=all), so an accepted fix is
 * never lost. The message id is derived from (user, fix time): a retried request is dropped downstream.
 */
@Injectable()
export class BrowserLocationsPublisher {
  constructor(
    private readonly clock: Clock,
    private readonly kafka: KafkaService,
    private readonly repository: TrackingRepository,
  ) {}

  async publish(principal: Principal, technicianId: string, fixes: BrowserFixDto[]): Promise<{ accepted: number }> {
    // Another tenant's technician, or none: 404 as everywhere; someone else in the tenant: 403.
    if (!(await this.repository.technicianExists(principal.tenantId, technicianId))) throw TrackingError.technicianNotFound(technicianId);
    if (principal.role !== 'technician' || principal.technicianId !== technicianId) {
      throw TrackingError.notYourLocation();
    }
    const ahead = fixes.find((f) => Date.parse(f.at) > this.clock.now().getTime() + MAX_AHEAD_MS);
    if (ahead) throw TrackingError.fixInFuture(ahead.at);
    const deviceId = `browser-${principal.id}`;
    const records = fixes.map((fix) => {
      const occurredAt = new Date(fix.at);
      const event = newEnvelope({
        type: 'telemetry.location_reported',
        tenantId: principal.tenantId,
        streamId: deviceId,
        actor: { kind: 'user', id: principal.id },
        occurredAt,
        data: {
          deviceId,
          subjectId: technicianId,
          lat: fix.lat,
          lon: fix.lon,
          ...(fix.accuracyM !== undefined ? { accuracyM: fix.accuracyM } : {}),
          ...(fix.speedMps !== undefined ? { speedMps: fix.speedMps } : {}),
          ...(fix.headingDeg !== undefined ? { headingDeg: fix.headingDeg } : {}),
          source: 'browser',
          messageId: createHash('sha256').update(`${principal.id}\u0000${occurredAt.toISOString()}`).digest('base64url').slice(0, 22),
        },
      });
      return { topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': principal.tenantId, 'event-type': event.type }, timestamp: occurredAt };
    });
    await this.kafka.send(records);
    return { accepted: records.length };
  }
}

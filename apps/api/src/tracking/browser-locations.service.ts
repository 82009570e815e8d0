import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { keyFor, newEnvelope, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { Clock, problem } from '#libs/platform';
import { DatabaseService } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import type { BrowserFixDto } from './dto/tracking.dto';

/** A fix may be a little ahead of the server clock (phones drift), not more. */
const MAX_AHEAD_MS = 5 * 60_000;

/**
 * Locations a technician shares from the browser, published like a phone's MQTT fixes: the same
 * event on the same topic, answered only after Kafka acknowledged (acks=all), so an accepted fix is
 * never lost. The message id is derived from (user, fix time): a retried request is dropped downstream.
 */
@Injectable()
export class BrowserLocationsService {
  constructor(
    private readonly clock: Clock,
    private readonly kafka: KafkaService,
    private readonly db: DatabaseService,
  ) {}

  async publish(principal: Principal, technicianId: string, fixes: BrowserFixDto[]): Promise<{ accepted: number }> {
    // Another tenant's technician, or none: 404 as everywhere; someone else in the tenant: 403.
    const { rows } = await this.db.query('SELECT 1 FROM technicians_view WHERE tenant_id = $1 AND technician_id = $2', [principal.tenantId, technicianId]);
    if (rows.length === 0) throw problem(404, 'technician-not-found', 'Not Found', `no technician ${technicianId}`, { code: 'TECHNICIAN_NOT_FOUND' });
    if (principal.role !== 'technician' || principal.technicianId !== technicianId) {
      throw problem(403, 'not-your-location', 'Forbidden', 'only the technician themself shares their location', { code: 'NOT_YOUR_LOCATION' });
    }
    const ahead = fixes.find((f) => Date.parse(f.at) > this.clock.now().getTime() + MAX_AHEAD_MS);
    if (ahead) throw problem(400, 'fix-in-future', 'Bad Request', `fix time ${ahead.at} is ahead of the server clock; check the device's clock`, { code: 'FIX_IN_FUTURE' });
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

import type { EventData, EventType } from '../catalogue';
import { type Actor, type EventOf, newEnvelope } from '../envelope';

const window = { start: '2031-05-04T08:00:00.000Z', end: '2031-05-04T10:00:00.000Z' };

/** One valid `data` per event type; the mapped type makes a missing type a compile error. */
export const sampleData: { [T in EventType]: EventData<T> } = {
  'job.created': {
    title: 'Replace condenser fan',
    description: 'Unit on the roof, access via stairwell B',
    customerId: 'cust-1',
    siteId: 'site-1',
    location: { lat: 52.52, lon: 13.405 },
    requiredSkills: ['hvac'],
    priority: 'high',
    window,
  },
  'job.rescheduled': { window },
  'job.priority_changed': { priority: 'urgent', previousPriority: 'high' },
  'job.assigned': { technicianId: 'tech-1' },
  'job.reassigned': { fromTechnicianId: 'tech-1', technicianId: 'tech-2', reason: 'sick' },
  'job.unassigned': { technicianId: 'tech-2' },
  'job.travel_started': { technicianId: 'tech-2' },
  'job.arrived': { technicianId: 'tech-2' },
  'job.completed': { technicianId: 'tech-2', summary: 'Fan replaced' },
  'job.put_on_hold': { reason: 'waiting for parts' },
  'job.resumed': { status: 'on_site' },
  'job.cancelled': { reason: 'customer cancelled' },
  'job.note_added': { noteId: 'note-1', text: 'Gate code 1234', authorId: 'user-1' },
  'job.proof_added': { proofId: 'prf-1', kind: 'signature', contentType: 'image/png', sizeBytes: 5120, sha256: 'a'.repeat(64), width: 600, height: 200, technicianId: 'tech-2', signedBy: 'Ada Customer' },
  'technician.registered': { name: 'Ada Field', skills: ['hvac', 'electrical'], homeBase: { lat: 52.5, lon: 13.4 } },
  'technician.skills_changed': { skills: ['hvac'] },
  'technician.shift_started': {},
  'technician.shift_ended': {},
  'technician.availability_changed': { available: false, reason: 'lunch' },
  'technician.deactivated': { reason: 'left the company' },
  'device.provisioned': { deviceId: 'dev-1', kind: 'phone', technicianId: 'tech-1' },
  'device.linked': { deviceId: 'dev-2', assetId: 'van-7' },
  'device.unlinked': { deviceId: 'dev-2', assetId: 'van-7', reason: 'van sold' },
  'device.credentials_rotated': { deviceId: 'dev-1', credentialId: 'cred-2' },
  'device.revoked': { deviceId: 'dev-1', reason: 'lost' },
  'device.certificate_issued': { deviceId: 'dev-1', serial: '0a1b2c', fingerprint: 'ab'.repeat(32), notAfter: '2027-12-01T00:00:00.000Z' },
  'device.certificate_revoked': { deviceId: 'dev-1', serial: '0a1b2c', reason: 'key leaked' },
  'telemetry.location_reported': {
    deviceId: 'dev-1',
    subjectId: 'tech-1',
    lat: 52.52,
    lon: 13.405,
    accuracyM: 8,
    altitudeM: 34,
    speedMps: 12.5,
    headingDeg: 359.9,
    batteryPct: 81,
    source: 'owntracks',
    messageId: 'msg-1',
  },
  'telemetry.reading_reported': { deviceId: 'dev-3', sensor: 'cabin_temp', value: 4.5, unit: 'C', messageId: 'msg-2' },
  'telemetry.status_reported': { deviceId: 'dev-3', status: 'ignition_on', messageId: 'msg-3' },
  'presence.device_connected': { deviceId: 'dev-1', sessionId: 'sess-1' },
  'presence.device_disconnected': { deviceId: 'dev-1', reason: 'keepalive timeout' },
  'presence.device_stale': { deviceId: 'dev-1', lastSeenAt: '2031-05-04T08:55:00.000Z' },
  'presence.user_online': { userId: 'user-1' },
  'presence.user_idle': { userId: 'user-1' },
  'presence.user_offline': { userId: 'user-1', lastSeenAt: '2031-05-04T09:00:00.000Z' },
  'call.created': { callId: 'call-1', createdBy: 'user-1', jobId: 'job-1', mode: 'video', ptt: false, record: false, maxParticipants: 8 },
  'call.invited': { callId: 'call-1', technicianIds: ['tech-2', 'tech-3'], invitedBy: 'user-1', jobId: 'job-1' },
  'call.joined': { callId: 'call-1', userId: 'user-2', technicianId: 'tech-2' },
  'call.left': { callId: 'call-1', userId: 'user-2', reason: 'hung up', durationMs: 61_000 },
  'call.declined': { callId: 'call-1', technicianId: 'tech-3', userId: 'user-3' },
  'call.missed': { callId: 'call-1', technicianId: 'tech-4' },
  'call.ended': { callId: 'call-1', reason: 'hung up', durationMs: 93_000, jobId: 'job-1' },
  'call.recording_ready': { callId: 'call-1', jobId: 'job-1', file: 'call-1.webm', bytes: 1_234_567, durationMs: 90_000 },
  'device.command_issued': { deviceId: 'dev-1', commandId: 'cmd-1', command: 'set_interval', args: { seconds: 30 } },
  'customer.created': { name: 'Acme Bakery', email: 'ops@acme.example', phone: '+49 30 123456' },
  'customer.updated': { phone: '+49 30 654321' },
  'customer.archived': {},
  'site.created': { name: 'Acme Bakery Mitte', customerId: 'cust-1', address: 'Torstr. 1, Berlin', location: { lat: 52.529, lon: 13.401 } },
  'site.updated': { address: 'Torstr. 2, Berlin' },
  'site.archived': {},
  'geofence.created': { name: 'Bakery yard', shape: { kind: 'circle', center: { lat: 52.529, lon: 13.401 }, radiusM: 80 }, siteId: 'site-1' },
  'geofence.updated': { shape: { kind: 'polygon', points: [{ lat: 52.5, lon: 13.4 }, { lat: 52.51, lon: 13.4 }, { lat: 52.51, lon: 13.41 }] } },
  'geofence.deleted': {},
  'chat.message_posted': { jobId: 'job-1', messageId: 'msg-1', authorId: 'user-1', authorRole: 'dispatcher', text: 'Gate code is 4711' },
  'chat.message_delivered': { jobId: 'job-1', messageId: 'msg-1', userId: 'user-2' },
  'chat.message_read': { jobId: 'job-1', messageId: 'msg-1', userId: 'user-2' },
  'tracking.geofence_entered': { subjectId: 'tech-1', geofenceId: 'gf-1', siteId: 'site-1', position: { lat: 52.529, lon: 13.401 } },
  'tracking.geofence_exited': { subjectId: 'tech-1', geofenceId: 'gf-1', position: { lat: 52.53, lon: 13.402 } },
  'tracking.arrival_detected': { subjectId: 'tech-1', jobId: 'job-1', siteId: 'site-1', geofenceId: 'gf-1' },
  'tracking.signal_lost': { subjectId: 'tech-1', lastFixAt: '2031-05-04T08:50:00.000Z' },
  'tracking.signal_restored': { subjectId: 'tech-1', silentForS: 600 },
  'tracking.eta_updated': { subjectId: 'tech-1', jobId: 'job-1', etaS: 540, distanceM: 4200, arriveBy: '2031-05-04T09:09:00.000Z' },
};

export const sampleActor: Actor = { kind: 'user', id: 'user-1' };
export const fixedClock = () => new Date('2031-05-04T09:00:00.000Z');

let counter = 0;
/** Valid, distinct UUIDv7 strings without randomness. */
export const sequentialV7 = () => `01900000-0000-7000-8000-${(++counter).toString(16).padStart(12, '0')}`;

/** A complete, valid event of `type` built from its sample data. */
export function sampleEvent<T extends EventType>(type: T, overrides: Partial<Parameters<typeof newEnvelope<T>>[0]> = {}): EventOf<T> {
  return newEnvelope<T>(
    {
      type,
      data: sampleData[type],
      tenantId: 'tenant-1',
      streamId: 'stream-1',
      actor: sampleActor,
      occurredAt: '2031-05-04T08:59:58.000Z',
      ...overrides,
    },
    { newId: sequentialV7, clock: fixedClock },
  );
}

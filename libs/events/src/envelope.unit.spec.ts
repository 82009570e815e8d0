import { validate as isUuid, version as uuidVersion } from 'uuid';
import { causedBy, InvalidEventError, newEnvelope } from './envelope';
import { fixedClock, sampleActor, sampleData, sequentialV7 } from './testing/sample-events';

const base = {
  type: 'job.assigned' as const,
  data: { technicianId: 'tech-1' },
  tenantId: 'tenant-1',
  streamId: 'job-1',
  actor: sampleActor,
};

describe('newEnvelope', () => {
  it('is deterministic with injected id and clock', () => {
    const event = newEnvelope({ ...base, streamPosition: 2 }, { newId: () => '01900000-0000-7000-8000-0000000000aa', clock: fixedClock });
    expect(event).toEqual({
      id: '01900000-0000-7000-8000-0000000000aa',
      type: 'job.assigned',
      schemaVersion: 1,
      tenantId: 'tenant-1',
      streamId: 'job-1',
      streamPosition: 2,
      occurredAt: '2031-05-04T09:00:00.000Z',
      recordedAt: '2031-05-04T09:00:00.000Z',
      correlationId: '01900000-0000-7000-8000-0000000000aa',
      causationId: null,
      actor: { kind: 'user', id: 'user-1' },
      data: { technicianId: 'tech-1' },
    });
  });

  it('defaults to a UUIDv7 id and the wall clock', () => {
    const before = Date.now();
    const event = newEnvelope(base);
    expect(isUuid(event.id) && uuidVersion(event.id)).toBe(7);
    expect(Date.parse(event.recordedAt)).toBeGreaterThanOrEqual(before);
    expect(event.correlationId).toBe(event.id);
    expect(event).not.toHaveProperty('streamPosition');
  });

  it('stamps the catalogue current schemaVersion', () => {
    const event = newEnvelope({ ...base, type: 'telemetry.location_reported', data: sampleData['telemetry.location_reported'] });
    expect(event.schemaVersion).toBe(2);
  });

  it('keeps device time apart from recorded time', () => {
    const event = newEnvelope({ ...base, occurredAt: new Date('2031-05-04T08:00:00Z') }, { clock: fixedClock });
    expect(event.occurredAt).toBe('2031-05-04T08:00:00.000Z');
    expect(event.recordedAt).toBe('2031-05-04T09:00:00.000Z');
  });

  it('links a caused event to its parent', () => {
    const parent = newEnvelope(base, { newId: sequentialV7 });
    const child = newEnvelope({ ...base, type: 'job.travel_started', ...causedBy(parent) }, { newId: sequentialV7 });
    expect(child.correlationId).toBe(parent.correlationId);
    expect(child.causationId).toBe(parent.id);
  });

  it('drops extra actor fields (roles are a command concern, not part of the record)', () => {
    const actor = { kind: 'user' as const, id: 'user-1', role: 'dispatcher' };
    expect(newEnvelope({ ...base, actor }).actor).toEqual({ kind: 'user', id: 'user-1' });
  });

  it('requires a tenantId', () => {
    expect(() => newEnvelope({ ...base, tenantId: '' })).toThrow(InvalidEventError);
    expect(() => newEnvelope({ ...base, tenantId: '' })).toThrow(/invalid_envelope: tenantId/);
  });

  it('refuses data its catalogue schema rejects', () => {
    const bad = { ...sampleData['telemetry.location_reported'], lat: 91 };
    let error: unknown;
    try {
      newEnvelope({ ...base, type: 'telemetry.location_reported', data: bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ code: 'invalid_data', reason: expect.stringContaining('data.lat') });
  });

  it('refuses a time with an offset (UTC only, so strings sort)', () => {
    expect(() => newEnvelope({ ...base, occurredAt: '2031-05-04T10:00:00+02:00' })).toThrow(/occurredAt/);
  });
});

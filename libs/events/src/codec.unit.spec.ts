import {
  catalogue,
  deadLetter,
  deadLetterSchema,
  eventFamilies,
  type EventType,
  eventTypes,
  type FieldlineEvent,
  parseEvent,
  type ParseResult,
  serializeDeadLetter,
  serializeEvent,
} from '#libs/events';
import { fixedClock, sampleEvent, sequentialV7 } from './testing/sample-events';

const failure = (result: ParseResult) => {
  if (result.ok) throw new Error(`expected a failure, got ${result.event.type}`);
  return result;
};
const json = (value: unknown) => JSON.stringify(value);
const withData = (event: FieldlineEvent, data: Record<string, unknown>) => json({ ...event, data });

describe('serializeEvent / parseEvent round trip', () => {
  describe.each(Object.keys(eventFamilies))('%s family', (family) => {
    const types = eventTypes.filter((t) => t.startsWith(`${family}.`));
    it.each(types)('%s', (type: EventType) => {
      const event = sampleEvent(type, { streamPosition: 3, causationId: '01900000-0000-7000-8000-00000000ffff' });
      const result = parseEvent(serializeEvent(event));
      expect(result).toEqual({ ok: true, event });
    });
  });

  it('accepts a string, a Buffer, a Uint8Array view and a parsed object alike', () => {
    const event = sampleEvent('job.assigned');
    const bytes = Buffer.from(serializeEvent(event));
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes, 2);
    for (const input of [bytes.toString('utf8'), bytes, padded.subarray(2, 2 + bytes.length), JSON.parse(bytes.toString())]) {
      expect(parseEvent(input)).toEqual({ ok: true, event });
    }
  });

  it('drops unknown fields rather than passing them through (tolerant reader)', () => {
    const event = sampleEvent('job.assigned');
    const result = parseEvent(json({ ...event, extra: 1, data: { ...event.data, extra: 2 } }));
    expect(result).toEqual({ ok: true, event });
  });
});

describe('parseEvent rejections', () => {
  it('malformed_json: not JSON', () => {
    expect(failure(parseEvent('{"id":'))).toMatchObject({ code: 'malformed_json' });
  });

  it('malformed_json: bytes that are not UTF-8', () => {
    expect(failure(parseEvent(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])))).toMatchObject({ code: 'malformed_json' });
  });

  it.each([
    ['an array', '[]'],
    ['a number', '42'],
    ['null', 'null'],
  ])('invalid_envelope: %s', (_name, input) => {
    expect(failure(parseEvent(input))).toMatchObject({ code: 'invalid_envelope', reason: expect.stringContaining('(root)') });
  });

  it('invalid_envelope: tenantId is required', () => {
    const { tenantId: _omit, ...rest } = sampleEvent('job.assigned');
    expect(failure(parseEvent(json(rest)))).toEqual({
      ok: false,
      code: 'invalid_envelope',
      reason: expect.stringMatching(/^tenantId: /),
    });
    expect(failure(parseEvent(json({ ...rest, tenantId: '' })))).toMatchObject({ code: 'invalid_envelope' });
  });

  it('invalid_envelope: lists every failing path', () => {
    const event = sampleEvent('job.assigned');
    const { reason } = failure(parseEvent(json({ ...event, id: 'not-a-uuid', actor: { kind: 'robot', id: 'x' }, schemaVersion: 0 })));
    expect(reason).toContain('id: ');
    expect(reason).toContain('actor.kind: ');
    expect(reason).toContain('schemaVersion: ');
  });

  it('invalid_envelope: a non-v7 id', () => {
    const event = sampleEvent('job.assigned');
    const v4 = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(failure(parseEvent(json({ ...event, id: v4 })))).toMatchObject({ code: 'invalid_envelope', reason: expect.stringContaining('id:') });
  });

  it('invalid_envelope: missing data', () => {
    const { data: _omit, ...rest } = sampleEvent('job.assigned');
    expect(failure(parseEvent(json(rest)))).toMatchObject({ code: 'invalid_envelope', reason: expect.stringContaining('data:') });
  });

  it('unknown_type: names the type', () => {
    const event = sampleEvent('job.assigned');
    expect(failure(parseEvent(json({ ...event, type: 'job.teleported' })))).toEqual({
      ok: false,
      code: 'unknown_type',
      reason: "unknown event type 'job.teleported'",
    });
  });

  it('unknown_type: inherited object keys are not types', () => {
    const event = sampleEvent('job.assigned');
    expect(failure(parseEvent(json({ ...event, type: 'toString' })))).toMatchObject({ code: 'unknown_type' });
  });

  it('invalid_data: lists every failing path under data', () => {
    const event = sampleEvent('telemetry.location_reported');
    const { code, reason } = failure(
      parseEvent(withData(event, { ...event.data, lat: 91, headingDeg: 360, source: 'carrier-pigeon' })),
    );
    expect(code).toBe('invalid_data');
    expect(reason).toMatch(/^telemetry\.location_reported v2: /);
    expect(reason).toContain('data.lat: ');
    expect(reason).toContain('data.headingDeg: ');
    expect(reason).toContain('data.source: ');
  });

  it('invalid_data: a required field missing', () => {
    const event = sampleEvent('job.assigned');
    expect(failure(parseEvent(withData(event, {})))).toMatchObject({
      code: 'invalid_data',
      reason: expect.stringContaining('data.technicianId'),
    });
  });

  it('invalid_data: cross-field rules (window end before start)', () => {
    const event = sampleEvent('job.rescheduled');
    const window = { start: '2031-05-04T10:00:00.000Z', end: '2031-05-04T08:00:00.000Z' };
    expect(failure(parseEvent(withData(event, { window })))).toMatchObject({
      code: 'invalid_data',
      reason: expect.stringContaining('data.window.end'),
    });
  });

  it('invalid_data: a device link needs exactly one subject', () => {
    const event = sampleEvent('device.linked');
    for (const data of [{ deviceId: 'dev-2' }, { deviceId: 'dev-2', assetId: 'van-7', technicianId: 'tech-1' }]) {
      expect(failure(parseEvent(withData(event, data)))).toMatchObject({
        code: 'invalid_data',
        reason: expect.stringContaining('exactly one of technicianId or assetId'),
      });
    }
  });

  it('unsupported_version: newer than the catalogue', () => {
    const event = sampleEvent('job.assigned');
    expect(failure(parseEvent(json({ ...event, schemaVersion: 2 })))).toEqual({
      ok: false,
      code: 'unsupported_version',
      reason: 'job.assigned v2 is newer than the supported v1',
    });
  });

  it('never returns part of a record: a valid envelope with bad data yields no event', () => {
    const event = sampleEvent('job.assigned');
    const result = parseEvent(withData(event, { technicianId: 7 }));
    expect(result).not.toHaveProperty('event');
  });

  it('every catalogue entry has a version of at least 1', () => {
    for (const definition of Object.values(catalogue)) expect(definition.schemaVersion).toBeGreaterThanOrEqual(1);
  });
});

describe('deadLetter', () => {
  it('keeps the raw bytes (base64), the reason and the code', () => {
    const raw = Buffer.from([0x7b, 0xff, 0x00]);
    const record = deadLetter(
      { source: 'ingest.mqtt', sourceId: 'client-9', reason: 'bad', code: 'malformed_json', raw },
      { newId: sequentialV7, clock: fixedClock },
    );
    expect(record).toEqual({
      id: expect.any(String),
      source: 'ingest.mqtt',
      sourceId: 'client-9',
      tenantId: null,
      code: 'malformed_json',
      reason: 'bad',
      rawBase64: 'e/8A',
      failedAt: '2031-05-04T09:00:00.000Z',
    });
    expect(Buffer.from(record.rawBase64, 'base64')).toEqual(raw);
    expect(deadLetterSchema.parse(JSON.parse(serializeDeadLetter(record).toString()))).toEqual(record);
  });

  it('records the tenant when known and only the bytes of a Uint8Array view', () => {
    const bytes = Buffer.from('xxhelloxx');
    const view = bytes.subarray(2, 7);
    const result = failure(parseEvent(view));
    const record = deadLetter({ source: 's', sourceId: 'k', tenantId: 'tenant-1', raw: view, ...result });
    expect(record.tenantId).toBe('tenant-1');
    expect(Buffer.from(record.rawBase64, 'base64').toString()).toBe('hello');
    expect(deadLetterSchema.safeParse(record).success).toBe(true);
  });
});

describe('NUL characters', () => {
  it('are refused in ids and texts, where PostgreSQL could not store them: a dead letter, not a poisoned projection', () => {
    const event = sampleEvent('job.note_added');
    const parsed = parseEvent(JSON.stringify({ ...event, data: { ...event.data, text: 'gate\u0000code' } }));
    expect(parsed).toMatchObject({ ok: false, code: 'invalid_data', reason: expect.stringContaining('NUL') });
  });
});

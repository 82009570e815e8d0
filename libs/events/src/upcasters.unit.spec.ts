import { parseEvent, type ParseResult } from './codec';
import { type RawEvent, upcast, type UpcasterChain, UpcastError } from './upcasters';
import { sampleEvent } from './testing/sample-events';

const current = sampleEvent('telemetry.location_reported');
const { accuracyM: _a, lon: _l, ...unchanged } = current.data;

/** What a v1 producer wrote: lng/acc/ts in data, occurredAt = when ingest received the upload. */
const v1 = {
  ...current,
  schemaVersion: 1,
  occurredAt: '2031-05-04T09:30:00.000Z',
  data: { ...unchanged, lng: 13.405, acc: 8, ts: 1_935_738_000 },
};

const ok = (result: ParseResult) => {
  if (!result.ok) throw new Error(`${result.code}: ${result.reason}`);
  return result.event;
};

describe('telemetry.location_reported v1 → v2', () => {
  it('renames lng/acc and moves the fix time into occurredAt', () => {
    const event = ok(parseEvent(JSON.stringify(v1)));
    expect(event.schemaVersion).toBe(2);
    expect(event.occurredAt).toBe(new Date(1_935_738_000 * 1000).toISOString());
    expect(event.data).toEqual(current.data);
    expect(event.data).not.toHaveProperty('ts');
    expect(event.recordedAt).toBe(current.recordedAt);
  });

  it('keeps the envelope time when v1 had no ts, and leaves optional fields out', () => {
    const { ts: _t, acc: _c, ...data } = v1.data;
    const event = ok(parseEvent(JSON.stringify({ ...v1, data })));
    expect(event.occurredAt).toBe(v1.occurredAt);
    expect(event.data).not.toHaveProperty('accuracyM');
  });

  it('rejects a ts that is not epoch seconds (e.g. milliseconds) as invalid_data', () => {
    const result = parseEvent(JSON.stringify({ ...v1, data: { ...v1.data, ts: 1_935_738_000_000 } }));
    expect(result).toEqual({
      ok: false,
      code: 'invalid_data',
      reason: 'telemetry.location_reported v1: data.ts: expected epoch seconds',
    });
  });

  it('validates the upcast result against v2 (a v1 record without lng fails on data.lon)', () => {
    const { lng: _g, ...data } = v1.data;
    expect(parseEvent(JSON.stringify({ ...v1, data }))).toMatchObject({
      ok: false,
      code: 'invalid_data',
      reason: expect.stringContaining('data.lon'),
    });
  });

  it('rejects v3, newer than the catalogue, as unsupported_version', () => {
    expect(parseEvent(JSON.stringify({ ...current, schemaVersion: 3 }))).toMatchObject({ ok: false, code: 'unsupported_version' });
  });
});

describe('upcast chain', () => {
  // A made-up evolution: v1 `name`, v2 `fullName`, v3 `{ first, last }`.
  const chain: UpcasterChain = {
    'demo.renamed': {
      1: (r) => ({ ...r, data: { fullName: r.data.name } }),
      2: (r) => {
        if (typeof r.data.fullName !== 'string') throw new UpcastError('data.fullName', 'expected a string');
        const [first, last] = r.data.fullName.split(' ');
        return { ...r, data: { first, last } };
      },
    },
  };
  const record = (schemaVersion: number, data: Record<string, unknown>): RawEvent => ({
    ...current,
    type: 'demo.renamed',
    schemaVersion,
    data,
  });

  it('applies v1 → v2 → v3 in order and stamps each version', () => {
    expect(upcast(record(1, { name: 'Ada Lovelace' }), 3, chain)).toEqual({
      ok: true,
      record: record(3, { first: 'Ada', last: 'Lovelace' }),
    });
  });

  it('starts from the record version (v2 → v3 only)', () => {
    expect(upcast(record(2, { fullName: 'Ada Lovelace' }), 3, chain)).toMatchObject({
      ok: true,
      record: { data: { first: 'Ada', last: 'Lovelace' } },
    });
  });

  it('leaves a current record alone', () => {
    const r = record(3, { first: 'A' });
    expect(upcast(r, 3, chain)).toEqual({ ok: true, record: r });
  });

  it('a missing step is unsupported_version', () => {
    expect(upcast(record(1, { name: 'x' }), 4, chain)).toEqual({
      ok: false,
      code: 'unsupported_version',
      reason: 'demo.renamed: no upcaster from v3 to v4',
    });
  });

  it('a step that cannot convert is invalid_data naming its version and path', () => {
    expect(upcast(record(1, {}), 3, chain)).toEqual({
      ok: false,
      code: 'invalid_data',
      reason: 'demo.renamed v2: data.fullName: expected a string',
    });
  });

  it('lets unexpected exceptions (bugs) through', () => {
    const broken: UpcasterChain = { 'demo.renamed': { 1: () => { throw new TypeError('bug'); } } };
    expect(() => upcast(record(1, {}), 2, broken)).toThrow(TypeError);
  });

  it('parseEvent reports an old version without an upcaster as unsupported_version', () => {
    expect(parseEvent(JSON.stringify(v1), { upcasters: {} })).toEqual({
      ok: false,
      code: 'unsupported_version',
      reason: 'telemetry.location_reported: no upcaster from v1 to v2',
    });
    // Records already at the current version never touch the chain.
    expect(parseEvent(JSON.stringify(current), { upcasters: {} })).toEqual({ ok: true, event: current });
  });
});

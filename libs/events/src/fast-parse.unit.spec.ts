import { SeededRandom } from '../../../test/support/seeded-random';
import { validateEvent } from './codec';
import { fastParseEnabled, fastParseLocation } from './fast-parse';
import { sampleEvent } from './testing/sample-events';

// The fast path may only ever agree with zod: on every input it accepts, zod accepts the same event
// and returns the same object. Inputs: a full fix, a minimal one, and thousands of mutations of each
// field (wrong types, bounds and just past them, NUL, lengths, extra and missing keys, __proto__).

const zodOnly = (value: unknown) => validateEvent(value);
const full = sampleEvent('telemetry.location_reported', { traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01', streamPosition: 3 });
const minimal = (() => {
  const { accuracyM: _a, altitudeM: _b, speedMps: _c, headingDeg: _d, batteryPct: _e, ...data } = full.data as Record<string, unknown>;
  const { traceparent: _t, streamPosition: _s, ...envelope } = full;
  return { ...envelope, data };
})();

const edge: unknown[] = [
  undefined, null, true, 0, -0, 1, -1, 0.5, 89.9999, 90, 90.0001, -90, -90.0001, 180, 180.0001, -180.0001, 359.999, 360, 100, 100.5, -0.001,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e308, '', 'x', 'a'.repeat(200), 'a'.repeat(201), 'nul\u0000', '  padded  ', '12', [], {}, { a: 1 },
  'mqtt', 'carrier-pigeon', 'user', 'robot', '2031-05-04T08:59:58.000Z', '2031-05-04T08:59:58Z', '2031-02-29T00:00:00Z', '2032-02-29T00:00:00Z', '2031-05-04T08:59:58+01:00',
  '2031-05-04 08:59:58Z', '01900000-0000-7000-8000-000000000001', '01900000-0000-4000-8000-000000000001', '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01', '00-XYZ',
];

function set(target: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(target);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
}

const paths = (value: Record<string, unknown>, prefix: string[] = []): string[][] =>
  Object.entries(value).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? [[...prefix, k], ...paths(v as Record<string, unknown>, [...prefix, k])] : [[...prefix, k]]));

function agrees(input: unknown): boolean {
  const fast = fastParseLocation(input);
  const slow = zodOnly(input);
  if (fast === undefined) return true; // zod decides alone
  expect(slow).toEqual({ ok: true, event: fast });
  expect(JSON.stringify(slow.ok && slow.event)).toBe(JSON.stringify(fast)); // same keys in the same order
  return true;
}

it('is on for the schemas as they are (a field added to the envelope or the fix turns it off: update fast-parse.ts)', () => {
  expect(fastParseEnabled).toBe(true);
});

it('accepts valid fixes, full and minimal, exactly as zod returns them', () => {
  for (const event of [full, minimal]) {
    const parsed = JSON.parse(JSON.stringify(event));
    expect(fastParseLocation(parsed)).toBeDefined();
    agrees(parsed);
  }
});

it('never accepts what zod refuses, nor differs from its output, over every field × edge value', () => {
  let accepted = 0;
  let refusedBoth = 0;
  for (const base of [full, minimal] as Record<string, unknown>[]) {
    for (const path of paths(base)) {
      for (const value of edge) {
        const input = set(JSON.parse(JSON.stringify(base)), path, value);
        agrees(input);
        if (fastParseLocation(input)) accepted++;
        else if (!zodOnly(input).ok) refusedBoth++;
      }
      agrees(set(JSON.parse(JSON.stringify(base)), [...path.slice(0, -1), 'extra'], 1)); // unknown keys are dropped by both
    }
  }
  expect(accepted).toBeGreaterThan(100); // the mutations reach both sides of every bound
  expect(refusedBoth).toBeGreaterThan(500);
});

it('agrees with zod on random multi-field mutations (seeded)', () => {
  const random = SeededRandom.fromEnv();
  const all = paths(full as unknown as Record<string, unknown>);
  for (let i = 0; i < 3000; i++) {
    let input = JSON.parse(JSON.stringify(random.next() < 0.5 ? full : minimal)) as Record<string, unknown>;
    for (let k = 1 + Math.floor(random.next() * 3); k > 0; k--) {
      const path = all[Math.floor(random.next() * all.length)]!;
      try {
        input = set(input, path, edge[Math.floor(random.next() * edge.length)]);
      } catch {
        // a parent replaced by a scalar earlier: skip this mutation
      }
    }
    agrees(input);
  }
});

it('leaves objects with a __proto__ key, other types and other versions to zod', () => {
  const withProto = JSON.parse(JSON.stringify(full).replace('"data":{', '"data":{"__proto__":{"x":1},'));
  expect(fastParseLocation(withProto)).toBeUndefined();
  expect(fastParseLocation({ ...JSON.parse(JSON.stringify(full)), schemaVersion: 1 })).toBeUndefined();
  expect(fastParseLocation(JSON.parse(JSON.stringify(sampleEvent('job.created'))))).toBeUndefined();
});

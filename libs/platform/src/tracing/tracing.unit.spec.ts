import { contextOf, inSpan, recordSpan, startTracing, traceparentOf } from './tracing';

// Trace context without an exporter: nothing recorded, but real ids made, continued and handed on.

beforeAll(() => {
  startTracing('tracing-spec');
});

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const traceIdOf = (traceparent: string | undefined) => TRACEPARENT.exec(traceparent ?? '')?.[1];

it('a span continues the traceparent it is given, with a span id of its own', () => {
  const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const inner = inSpan('child', { parent }, () => traceparentOf());
  expect(traceIdOf(inner)).toBe('0af7651916cd43dd8448eb211c80319c');
  expect(inner).not.toContain('b7ad6b7169203331');
});

it('a missing or malformed traceparent starts a new trace; spans inside a span are its children', async () => {
  const [outer, nested] = await inSpan('root', { parent: 'not-a-traceparent' }, async () => {
    const mine = traceparentOf();
    await new Promise((r) => setTimeout(r, 1)); // across an await: the async context holds
    return [mine, inSpan('nested', {}, () => traceparentOf())];
  });
  expect(outer).toMatch(TRACEPARENT);
  expect(traceIdOf(outer)).not.toBe('0af7651916cd43dd8448eb211c80319c');
  expect(traceIdOf(nested)).toBe(traceIdOf(outer));
  expect(nested).not.toBe(outer);
});

it('outside any span there is no traceparent, and a failing span rethrows', () => {
  expect(traceparentOf()).toBeUndefined();
  expect(() => inSpan('fails', { parent: '' }, () => { throw new Error('boom'); })).toThrow('boom');
  expect(() => recordSpan('after the fact', undefined)).not.toThrow();
  expect(contextOf(undefined)).toBeDefined();
});

import { queryConfig, statement } from './statement';

it('names a text once, the same way every time, and differently from any other text', () => {
  const a = statement('SELECT $1::int AS n');
  expect(statement('SELECT $1::int AS n')).toBe(a);
  expect(a.name).toMatch(/^fl_[0-9a-f]{20}$/);
  expect(statement('SELECT $1::int AS m').name).not.toBe(a.name);
});

it('hands node-postgres a fresh config per call, named unless preparing is off', () => {
  const s = statement('SELECT $1::text AS t');
  const first = queryConfig(s, ['x']);
  const second = queryConfig(s, ['y']);
  expect(first).toEqual({ name: s.name, text: s.text, values: ['x'] });
  expect(second).not.toBe(first); // pg writes into the object it gets: sharing one would leak values between calls
  expect(queryConfig(s, ['x'], false)).toEqual({ text: s.text, values: ['x'] });
  expect(queryConfig('SELECT 1', undefined)).toEqual({ text: 'SELECT 1', values: undefined });
});

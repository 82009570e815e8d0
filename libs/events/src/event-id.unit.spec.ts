import { z } from 'zod';
import { derivedEventId, newEventId } from './event-id';

describe('derivedEventId', () => {
  it('is a valid UUIDv7 carrying the time, the same for the same cause and different otherwise', () => {
    const at = Date.parse('2031-05-04T09:00:00.000Z');
    const id = derivedEventId(at, 'tenant-1', 'tech-1', 'gf-1', 'entered');
    expect(z.uuid({ version: 'v7' }).safeParse(id).success).toBe(true);
    expect(parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
    expect(derivedEventId(at, 'tenant-1', 'tech-1', 'gf-1', 'entered')).toBe(id);
    expect(derivedEventId(at, 'tenant-1', 'tech-1', 'gf-1', 'exited')).not.toBe(id);
    expect(derivedEventId(at + 1, 'tenant-1', 'tech-1', 'gf-1', 'entered')).not.toBe(id);
  });
});

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

it('makes new ids as UUIDv7 with the time first, unique and in creation order (also many in one millisecond)', () => {
  const at = Date.parse('2031-05-04T08:00:00.123Z');
  const ids = Array.from({ length: 5_000 }, () => newEventId(at));
  expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids); // 5,000 in one ms: the counter rolls into the next ms, order kept
  expect(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  const later = newEventId(at + 1_000);
  expect(later > ids.at(-1)!).toBe(true);
  expect(newEventId(at - 5_000) > later).toBe(true); // a clock that steps back does not break the order
});

import { z } from 'zod';
import { derivedEventId } from './derived-id';

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

import { addressKey, lockSchedule, retryAfterSeconds } from './guess-limiter';

describe('lockSchedule', () => {
  it('doubles each lockout from the first lock up to the cap, then stays there', () => {
    expect(lockSchedule({ lockMs: 300_000, maxLockMs: 3_600_000 })).toEqual([300_000, 600_000, 1_200_000, 2_400_000, 3_600_000]);
  });

  it('is one step when the cap is the first lock (or below it)', () => {
    expect(lockSchedule({ lockMs: 60_000, maxLockMs: 60_000 })).toEqual([60_000]);
    expect(lockSchedule({ lockMs: 60_000, maxLockMs: 1000 })).toEqual([60_000]);
  });

  it('stops at sixteen steps when the cap is far away', () => {
    const schedule = lockSchedule({ lockMs: 1, maxLockMs: Number.MAX_SAFE_INTEGER });
    expect(schedule).toHaveLength(16);
    expect(schedule.at(-1)).toBe(2 ** 15);
  });
});

describe('retryAfterSeconds', () => {
  it('rounds up and never answers 0 while locked', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(299_500)).toBe(300);
  });
});

describe('addressKey', () => {
  it('counts IPv4 as it is (also when IPv4-mapped), and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

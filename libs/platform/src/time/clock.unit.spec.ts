import 'reflect-metadata';
import { BaseEnv, ConfigError, loadConfig } from '../index';
import { clockFromEnv, ManualClock, ShiftedClock, SystemClock } from './clock';

describe('ShiftedClock', () => {
  it('reads the moment it was set to, then runs on at the speed of the real clock', () => {
    const real = new ManualClock(Date.parse('2026-12-01T10:00:00.000Z'));
    const clock = new ShiftedClock(new Date('2026-12-31T23:30:00.000Z'), real);
    expect(clock.now().toISOString()).toBe('2026-12-31T23:30:00.000Z');
    real.advance(45 * 60_000); // 45 minutes of real time: past midnight and into the next month and year
    expect(clock.now().toISOString()).toBe('2027-01-01T00:15:00.000Z');
  });
});

describe('CLOCK_START', () => {
  const base = { HTTP_PORT: '3000' };

  it('is the system clock when unset, a shifted one when set', () => {
    expect(clockFromEnv(loadConfig(BaseEnv, base))).toBeInstanceOf(SystemClock);
    const clock = clockFromEnv(loadConfig(BaseEnv, { ...base, CLOCK_START: '2027-02-28T23:59:00Z' }));
    expect(clock).toBeInstanceOf(ShiftedClock);
    expect(Math.abs(clock.now().getTime() - Date.parse('2027-02-28T23:59:00Z'))).toBeLessThan(5_000);
  });

  it('refuses a moment that is not ISO 8601, and any moment in production', () => {
    expect(() => loadConfig(BaseEnv, { ...base, CLOCK_START: 'tomorrow' })).toThrow(/CLOCK_START/);
    expect(() => loadConfig(BaseEnv, { ...base, NODE_ENV: 'production', CLOCK_START: '2027-02-28T23:59:00Z' })).toThrow(ConfigError);
    expect(() => loadConfig(BaseEnv, { ...base, NODE_ENV: 'production', CLOCK_START: '2027-02-28T23:59:00Z' })).toThrow(/must not be set when NODE_ENV=production/);
    expect(loadConfig(BaseEnv, { ...base, NODE_ENV: 'production' }).CLOCK_START).toBeUndefined();
  });
});

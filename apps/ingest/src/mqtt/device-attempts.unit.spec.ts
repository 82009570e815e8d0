import { MAX_SLOWDOWN_MS, slowdownMs } from './device-attempts';

describe('slowdownMs', () => {
  it('answers the first five failures from an address at once', () => {
    expect([0, 1, 5].map((n) => slowdownMs(n))).toEqual([0, 0, 0]);
  });

  it('then doubles from 500 ms up to 10 s', () => {
    expect([6, 7, 8, 9, 10, 11, 12, 50].map((n) => slowdownMs(n))).toEqual([500, 1000, 2000, 4000, 8000, MAX_SLOWDOWN_MS, MAX_SLOWDOWN_MS, MAX_SLOWDOWN_MS]);
  });

  it('holds a locked subject the longest, but never past its lock', () => {
    expect(slowdownMs(0, 300_000)).toBe(MAX_SLOWDOWN_MS);
    expect(slowdownMs(0, 1200)).toBe(1200);
  });
});

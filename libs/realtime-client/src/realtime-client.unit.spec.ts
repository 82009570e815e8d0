import { RealtimeClient } from './realtime-client';

describe('reconnect backoff', () => {
  it('is full jitter over an exponential cap: anywhere in [0, min(max, base·2^attempt))', () => {
    const almostOne = () => 0.999_999;
    expect(RealtimeClient.backoffMs(0, 500, 30_000, almostOne)).toBe(499);
    expect(RealtimeClient.backoffMs(3, 500, 30_000, almostOne)).toBe(3_999);
    expect(RealtimeClient.backoffMs(10, 500, 30_000, almostOne)).toBe(29_999);
    expect(RealtimeClient.backoffMs(10, 500, 30_000, () => 0)).toBe(0);
    // a reconnect storm spreads out: 1,000 clients at attempt 4 land all over the window
    const waits = Array.from({ length: 1_000 }, () => RealtimeClient.backoffMs(4, 500, 30_000));
    expect(Math.max(...waits)).toBeLessThan(8_000);
    expect(new Set(waits.map((w) => Math.floor(w / 1_000))).size).toBe(8);
  });
});

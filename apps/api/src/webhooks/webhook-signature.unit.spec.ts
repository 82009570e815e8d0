import { retryDelayMs } from './webhook-delivery.service';
import { signWebhook, verifyWebhook } from './webhook-signature';

it('signs timestamp and body together; a changed body, secret or old timestamp fails', () => {
  const header = signWebhook('whsec_1', '{"a":1}', 1_000_000);
  expect(header).toMatch(/^t=1000000,v1=[0-9a-f]{64}$/);
  expect(verifyWebhook('whsec_1', '{"a":1}', header, 1_000_100)).toBe(true);
  expect(verifyWebhook('whsec_1', '{"a":2}', header, 1_000_100)).toBe(false);
  expect(verifyWebhook('whsec_2', '{"a":1}', header, 1_000_100)).toBe(false);
  expect(verifyWebhook('whsec_1', '{"a":1}', header, 1_000_000 + 301)).toBe(false);
  expect(verifyWebhook('whsec_1', '{"a":1}', 'garbage', 1_000_000)).toBe(false);
});

it('backs off exponentially with full jitter, capped', () => {
  expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 3_600_000, () => 1))).toEqual([1000, 2000, 4000, 8000]);
  expect(retryDelayMs(30, 1000, 3_600_000, () => 1)).toBe(3_600_000);
  expect(retryDelayMs(3, 1000, 3_600_000, () => 0)).toBe(0);
});

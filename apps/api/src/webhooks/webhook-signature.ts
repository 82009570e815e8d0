import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Fieldline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The timestamp
 * is signed with the body so a captured delivery cannot be replayed later: receivers reject a `t`
 * older than a few minutes. Documented in docs/api.md ("Webhooks").
 */
export const SIGNATURE_HEADER = 'fieldline-signature';

export function signWebhook(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** What a receiver does (used by our tests; integrators port it). */
export function verifyWebhook(secret: string, body: string, header: string, now: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const timestamp = Number(parts.t);
  if (!parts.v1 || !Number.isInteger(timestamp) || Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, body, timestamp).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

import { createHash, randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';

// Secrets are stored hashed, never in the clear. Passwords (chosen by people, guessable) as scrypt:
// `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`, parameters travelling with the hash so they can be
// raised later. Secrets we generate (device credentials: 192 random bits) need no key stretching — no
// dictionary reaches them — so they are `sha256$<hash b64url>`, verified in microseconds even when
// thousands of devices reconnect at once (scrypt costs ~50 ms of CPU each).

const KEY_LENGTH = 32;
const DEFAULTS = { N: 16_384, r: 8, p: 1 } as const;

const derive = (secret: string, salt: Buffer, options: ScryptOptions & { N: number; r: number; p: number }) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { ...options, maxmem: 128 * options.N * options.r * 2 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

export async function hashSecret(secret: string, params: { N: number; r: number; p: number } = DEFAULTS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** For a secret from newSecret(): a single SHA-256 (see above). Never for passwords. */
export function hashGeneratedSecret(secret: string): string {
  return `sha256$${createHash('sha256').update(secret).digest('base64url')}`;
}

/** Constant-time comparison; a malformed stored hash verifies nothing rather than throwing. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme === 'sha256' && n) {
    const expected = Buffer.from(n, 'base64url');
    const actual = createHash('sha256').update(secret).digest();
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A new random secret to show once (device credentials, API keys). */
export const newSecret = (bytes = 24): string => randomBytes(bytes).toString('base64url');

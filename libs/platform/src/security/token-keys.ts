import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** The signature algorithms of access tokens: Ed25519 (the default) or ECDSA P-256. */
export type TokenAlgorithm = 'EdDSA' | 'ES256';

/** A public key that checks access tokens, under its key id (the `kid` of a token's header). */
export interface VerificationKey {
  kid: string;
  alg: TokenAlgorithm;
  key: KeyObject;
}

/** The api's private key (it never leaves the api) and its public half's id. */
export interface SigningKey {
  kid: string;
  alg: TokenAlgorithm;
  privateKey: KeyObject;
}

/** One entry of a JWK Set as the api publishes it: public members only. */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
  kid: string;
  alg: TokenAlgorithm;
  use: 'sig';
}

export interface Jwks {
  keys: PublicJwk[];
}

/** A key that cannot serve for access tokens, or a key file that is not what it should be. */
export class TokenKeyError extends Error {
  override readonly name = 'TokenKeyError';
}

/** The algorithm a key signs with; anything but Ed25519 and P-256 is refused (RSA keys, other curves). */
export function algorithmOf(key: KeyObject): TokenAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new TokenKeyError(`access tokens are signed with Ed25519 or P-256 keys, not ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}`);
}

/**
 * The key's RFC 7638 thumbprint (SHA-256 of its required members in lexicographic order): a kid every
 * party can recompute from the key itself, so two files never give one key two names.
 */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

const publicKeyOf = (key: KeyObject): KeyObject => (key.type === 'private' ? createPublicKey(key) : key);

/** A signing key from a PKCS#8 (or SEC1) PEM. */
export function signingKeyFromPem(pem: string | Buffer): SigningKey {
  const privateKey = parsed(() => createPrivateKey(pem), 'a private key PEM');
  return { kid: jwkThumbprint(publicKeyOf(privateKey)), alg: algorithmOf(privateKey), privateKey };
}

/** A verification key from a PEM: a public key, or a private one whose public half is taken. */
export function verificationKeyFromPem(pem: string | Buffer): VerificationKey {
  const key = publicKeyOf(parsed(() => createPublicKey(pem), 'a public or private key PEM'));
  return { kid: jwkThumbprint(key), alg: algorithmOf(key), key };
}

export const verificationKeyOf = (signing: SigningKey): VerificationKey => ({ kid: signing.kid, alg: signing.alg, key: publicKeyOf(signing.privateKey) });

export function publicJwk({ kid, alg, key }: VerificationKey): PublicJwk {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  return { kty, crv, x, ...(y ? { y } : {}), kid, alg, use: 'sig' } as PublicJwk;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * The keys of a JWK Set. Keys of other types, or meant for encryption, are skipped (a shared set may
 * hold them); a key without a kid cannot be chosen and is skipped too. A set carrying a private or
 * secret member is refused whole: such a set leaks a signing key, and no verifier should lean on it.
 */
export function keysFromJwks(value: unknown): VerificationKey[] {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new TokenKeyError('a JWK Set is a JSON object with a "keys" array');
  const usable: VerificationKey[] = [];
  for (const jwk of keys as (JsonWebKey & { kid?: unknown; use?: unknown; alg?: unknown })[]) {
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw new TokenKeyError(`the JWK Set holds a private or secret key (kid ${String(jwk.kid)}): publish public keys only`);
    if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    if (!((jwk.kty === 'OKP' && jwk.crv === 'Ed25519') || (jwk.kty === 'EC' && jwk.crv === 'P-256'))) continue;
    const key = parsed(() => createPublicKey({ key: jwk, format: 'jwk' }), `key ${jwk.kid} of the JWK Set`);
    const alg = algorithmOf(key);
    if (jwk.alg !== undefined && jwk.alg !== alg) throw new TokenKeyError(`key ${jwk.kid} of the JWK Set names alg ${String(jwk.alg)}, but is a ${alg} key`);
    usable.push({ kid: jwk.kid, alg, key });
  }
  return usable;
}

function parsed<T>(read: () => T, what: string): T {
  try {
    return read();
  } catch (error) {
    throw new TokenKeyError(`not ${what}: ${(error as Error).message}`);
  }
}

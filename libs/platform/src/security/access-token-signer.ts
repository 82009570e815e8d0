import { sign } from 'node:crypto';
import type { AccessTokenClaims } from './access-token';
import type { SigningKey } from './token-keys';

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** ES256 signatures are the raw r‖s pair in a JWS (RFC 7518 §3.4), not DER. */
export const signatureOptions = (alg: SigningKey['alg']) => (alg === 'ES256' ? { digest: 'sha256', dsaEncoding: 'ieee-p1363' as const } : { digest: null, dsaEncoding: undefined });

/** Issues access tokens with the api's private key, its kid in the header (a compact JWS). */
export class AccessTokenSigner {
  constructor(readonly key: SigningKey) {}

  /** `nowMs`: the system's time, not the app's Clock: other hosts check exp against theirs. */
  sign(claims: AccessTokenClaims, ttlSeconds: number, nowMs = Date.now()): string {
    const iat = Math.floor(nowMs / 1000);
    const input = `${base64url({ alg: this.key.alg, typ: 'JWT', kid: this.key.kid })}.${base64url({ ...claims, iat, exp: iat + ttlSeconds })}`;
    const { digest, dsaEncoding } = signatureOptions(this.key.alg);
    return `${input}.${sign(digest, Buffer.from(input), { key: this.key.privateKey, dsaEncoding }).toString('base64url')}`;
  }
}

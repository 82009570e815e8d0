import { createSecretKey, type KeyObject } from 'node:crypto';

/** Who may do what: the roles of every user, shared by the API (issuer) and realtime (verifier). */
export type Role = 'admin' | 'dispatcher' | 'technician' | 'integrator';
export const ROLES: readonly Role[] = ['admin', 'dispatcher', 'technician', 'integrator'];

/** The claims of an access token (HS256, signed by the API with JWT_SECRET). */
export interface AccessTokenClaims {
  sub: string;
  tid: string;
  role: Role;
  tech?: string;
  exp?: number;
}

/** The caller an access token names, and when the token expires (epoch ms). */
export interface VerifiedCaller {
  caller: { tenantId: string; userId: string; role: Role; technicianId?: string };
  expiresAt: number;
}

/**
 * Checks an access token with `verify` (JwtService.verify with the shared secret) and answers the
 * caller, or a reason fit to send back (missing, no expiry, expired, invalid).
 */
export function verifyAccessToken(verify: (token: string) => AccessTokenClaims, token: string | undefined): VerifiedCaller | string {
  if (!token) return 'unauthorized: pass the access token as ?access_token= or an Authorization: Bearer header';
  try {
    const claims = verify(token);
    if (!claims.exp) return 'unauthorized: the access token has no expiry';
    return {
      caller: { tenantId: claims.tid, userId: claims.sub, role: claims.role, ...(claims.tech ? { technicianId: claims.tech } : {}) },
      expiresAt: claims.exp * 1000,
    };
  } catch (error) {
    return (error as Error).name === 'TokenExpiredError' ? 'unauthorized: the access token has expired' : 'unauthorized: the access token is invalid';
  }
}

/** The access token of an HTTP upgrade or request: `Authorization: Bearer …`, else `?access_token=` (browsers cannot set headers on WebSocket). */
export function accessTokenOf(request: { headers: { authorization?: string }; url?: string }): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  return new URL(request.url ?? '/', 'http://localhost').searchParams.get('access_token') ?? undefined;
}

/**
 * JWT_SECRET as the key object JwtModule should hold. Given a string, jsonwebtoken first tries to
 * parse it as a public key on every verify, and builds the key from the exception: ~4 % of the API's
 * CPU per request under load. A KeyObject skips both.
 */
export const hmacKey = (secret: string): KeyObject => createSecretKey(Buffer.from(secret));

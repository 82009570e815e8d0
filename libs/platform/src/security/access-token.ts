/** Who may do what: the roles of every user, shared by the API (issuer) and realtime (verifier). */
export type Role = 'admin' | 'dispatcher' | 'technician' | 'integrator';
export const ROLES: readonly Role[] = ['admin', 'dispatcher', 'technician', 'integrator'];

/** The claims of an access token (EdDSA or ES256, signed by the API with its private key). */
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

/** Why a token was refused, and a reason fit to send back (a close reason, a 401's detail). */
export interface TokenRefusal {
  refused: 'missing' | 'no-expiry' | 'expired' | 'invalid';
  message: string;
}

export type TokenVerdict = VerifiedCaller | TokenRefusal;

export const isRefusal = (verdict: TokenVerdict): verdict is TokenRefusal => 'refused' in verdict;

/** The access token of an HTTP upgrade or request: `Authorization: Bearer …`, else `?access_token=` (browsers cannot set headers on WebSocket). */
export function accessTokenOf(request: { headers: { authorization?: string }; url?: string }): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  return new URL(request.url ?? '/', 'http://localhost').searchParams.get('access_token') ?? undefined;
}

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

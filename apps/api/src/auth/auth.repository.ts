import type { Role, Scope } from './principal';

/** Whom a token is issued to. */
export interface TokenOwner {
  userId: string;
  tenantId: string;
  role: Role;
  technicianId: string | null;
}

export interface UserCredentials extends TokenOwner {
  passwordHash: string;
}

export interface ActiveApiKey {
  tenantId: string;
  keyHash: string;
  scopes: Scope[];
}

export interface NewRefreshToken {
  tokenId: string;
  familyId: string;
  tenantId: string;
  userId: string;
  /** sha256 of the secret, hex. */
  tokenHash: string;
  ttlSeconds: number;
}

/** A refresh token with its (enabled) user, locked until its transaction ends. */
export interface LockedRefreshToken {
  familyId: string;
  tokenHash: string;
  expired: boolean;
  usedAt: Date | null;
  revokedAt: Date | null;
  owner: TokenOwner;
}

export interface RefreshTokenWriter {
  addRefreshToken(token: NewRefreshToken): Promise<void>;
}

/** What a refresh does in its one transaction. */
export interface RefreshTransaction extends RefreshTokenWriter {
  lockRefreshToken(tokenId: string): Promise<LockedRefreshToken | undefined>;
  /** Revokes every token of the family not revoked yet. */
  revokeFamily(familyId: string): Promise<void>;
  markUsed(tokenId: string): Promise<void>;
}

/** Users' credentials and refresh tokens (the port; the abstract class is the injection token). */
export abstract class AuthRepository implements RefreshTokenWriter {
  abstract activeUserByEmail(email: string): Promise<UserCredentials | undefined>;
  /** An API key that is not revoked: its tenant, the SHA-256 of its secret (hex) and its scopes. */
  abstract activeApiKey(keyId: string): Promise<ActiveApiKey | undefined>;
  abstract addRefreshToken(token: NewRefreshToken): Promise<void>;
  /** Revokes the family of the token (nothing when the token is unknown). */
  abstract revokeFamilyOf(tokenId: string): Promise<void>;
  /** Runs `body` in one transaction: committed if it resolves, rolled back if it throws. */
  abstract refreshTransaction<T>(body: (tx: RefreshTransaction) => Promise<T>): Promise<T>;
}

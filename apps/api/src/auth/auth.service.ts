import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type AccessTokenClaims, newSecret, problem, verifySecret } from '#libs/platform';
import { DatabaseService, type Queryable } from '#libs/timescale';
import { sha256 } from './auth.guard';
import type { Role } from './principal';

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
export interface AuthOptions {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
}

interface UserRow {
  user_id: string;
  tenant_id: string;
  role: Role;
  technician_id: string | null;
  password_hash: string;
}

// A fixed hash to verify against when the email is unknown: the answer takes as long either way.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const invalidRefresh = () => problem(401, 'invalid-refresh-token', 'Unauthorized', 'the refresh token is invalid, expired or already used: log in again');

/**
 * Login issues a short-lived JWT and a refresh token; each refresh consumes its token and issues a new
 * pair. Presenting a consumed refresh token revokes its whole family (token theft detection).
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly db: DatabaseService,
    private readonly jwt: JwtService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async login(email: string, password: string): Promise<TokenPair> {
    const { rows } = await this.db.query<UserRow>(
      'SELECT user_id, tenant_id, role, technician_id, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL',
      [email.trim().toLowerCase()],
    );
    const user = rows[0];
    const ok = await verifySecret(password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !ok) throw problem(401, 'invalid-credentials', 'Unauthorized', 'wrong email or password');
    return this.issue(user, randomUUID());
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const [tokenId, secret] = refreshToken.split('.');
    if (!tokenId || !secret) throw invalidRefresh();
    // The transaction answers instead of throwing where it must commit (revoking a stolen family).
    const outcome = await this.db.transaction(async (tx): Promise<TokenPair | 'refused'> => {
      const { rows } = await tx.query<{ family_id: string; token_hash: string; expired: boolean; used_at: Date | null; revoked_at: Date | null } & UserRow>(
        `SELECT r.family_id, r.token_hash, r.expires_at < now() AS expired, r.used_at, r.revoked_at,
                u.user_id, u.tenant_id, u.role, u.technician_id, u.password_hash
           FROM refresh_tokens r JOIN users u USING (user_id)
          WHERE r.token_id = $1 AND u.disabled_at IS NULL FOR UPDATE OF r`,
        [tokenId],
      );
      const row = rows[0];
      if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), sha256(secret))) return 'refused';
      if (row.used_at || row.revoked_at) {
        await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [row.family_id]);
        return 'refused';
      }
      if (row.expired) return 'refused';
      await tx.query('UPDATE refresh_tokens SET used_at = now() WHERE token_id = $1', [tokenId]);
      return this.issue(row, row.family_id, tx);
    });
    if (outcome === 'refused') throw invalidRefresh();
    return outcome;
  }

  async logout(refreshToken: string): Promise<void> {
    const [tokenId] = refreshToken.split('.');
    await this.db.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_id = $1) AND revoked_at IS NULL',
      [tokenId],
    );
  }

  private async issue(user: Omit<UserRow, 'password_hash'>, familyId: string, q: Queryable = this.db): Promise<TokenPair> {
    const claims: AccessTokenClaims = { sub: user.user_id, tid: user.tenant_id, role: user.role, ...(user.technician_id ? { tech: user.technician_id } : {}) };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.options.accessTokenTtlSeconds, algorithm: 'HS256' });
    const tokenId = randomUUID();
    const secret = newSecret(32);
    await q.query(
      `INSERT INTO refresh_tokens (token_id, family_id, tenant_id, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second')`,
      [tokenId, familyId, user.tenant_id, user.user_id, sha256(secret).toString('hex'), this.options.refreshTokenTtlSeconds],
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: this.options.accessTokenTtlSeconds, refreshToken: `${tokenId}.${secret}` };
  }
}

import { Injectable } from '@nestjs/common';
import { DatabaseService, type Queryable } from '#libs/timescale';
import { type ActiveApiKey, AuthRepository, type LockedRefreshToken, type NewRefreshToken, type RefreshTransaction, type UserCredentials } from './auth.repository';
import type { Role, Scope } from './principal';

interface UserRow {
  user_id: string;
  tenant_id: string;
  role: Role;
  technician_id: string | null;
  password_hash: string;
}

const ownerOf = (r: Omit<UserRow, 'password_hash'>) => ({ userId: r.user_id, tenantId: r.tenant_id, role: r.role, technicianId: r.technician_id });

function addRefreshToken(q: Queryable, t: NewRefreshToken): Promise<unknown> {
  return q.query(
    `INSERT INTO refresh_tokens (token_id, family_id, tenant_id, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second')`,
    [t.tokenId, t.familyId, t.tenantId, t.userId, t.tokenHash, t.ttlSeconds],
  );
}

/** A refresh's statements on its transaction's connection. */
class PostgresRefreshTransaction implements RefreshTransaction {
  constructor(private readonly tx: Queryable) {}

  async lockRefreshToken(tokenId: string): Promise<LockedRefreshToken | undefined> {
    const { rows } = await this.tx.query<{ family_id: string; token_hash: string; expired: boolean; used_at: Date | null; revoked_at: Date | null } & UserRow>(
      `SELECT r.family_id, r.token_hash, r.expires_at < now() AS expired, r.used_at, r.revoked_at,
                u.user_id, u.tenant_id, u.role, u.technician_id, u.password_hash
           FROM refresh_tokens r JOIN users u USING (user_id)
          WHERE r.token_id = $1 AND u.disabled_at IS NULL FOR UPDATE OF r`,
      [tokenId],
    );
    const row = rows[0];
    return row && { familyId: row.family_id, tokenHash: row.token_hash, expired: row.expired, usedAt: row.used_at, revokedAt: row.revoked_at, owner: ownerOf(row) };
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  }

  async markUsed(tokenId: string): Promise<void> {
    await this.tx.query('UPDATE refresh_tokens SET used_at = now() WHERE token_id = $1', [tokenId]);
  }

  async addRefreshToken(token: NewRefreshToken): Promise<void> {
    await addRefreshToken(this.tx, token);
  }
}

@Injectable()
export class PostgresAuthRepository extends AuthRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async activeApiKey(keyId: string): Promise<ActiveApiKey | undefined> {
    const { rows } = await this.db.query<{ tenant_id: string; key_hash: string; scopes: Scope[] }>(
      'SELECT tenant_id, key_hash, scopes FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL',
      [keyId],
    );
    const row = rows[0];
    return row && { tenantId: row.tenant_id, keyHash: row.key_hash, scopes: row.scopes };
  }

  async activeUserByEmail(email: string): Promise<UserCredentials | undefined> {
    const { rows } = await this.db.query<UserRow>(
      'SELECT user_id, tenant_id, role, technician_id, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL',
      [email],
    );
    const row = rows[0];
    return row && { ...ownerOf(row), passwordHash: row.password_hash };
  }

  async addRefreshToken(token: NewRefreshToken): Promise<void> {
    await addRefreshToken(this.db, token);
  }

  async revokeFamilyOf(tokenId: string): Promise<void> {
    await this.db.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_id = $1) AND revoked_at IS NULL',
      [tokenId],
    );
  }

  refreshTransaction<T>(body: (tx: RefreshTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => body(new PostgresRefreshTransaction(tx)));
  }
}

import { Injectable } from '@nestjs/common';
import { DatabaseService, isUniqueViolation, type Queryable } from '#libs/timescale';
import type { Scope } from '../auth/principal';
import { type ApiKeyRecord, type NewApiKey, type NewUser, TenantsRepository } from './tenants.repository';

/** Thrown out of a transaction to roll it back when the user's email is taken. */
class EmailTaken extends Error {}

async function insertUser(q: Queryable, u: NewUser): Promise<void> {
  try {
    await q.query('INSERT INTO users (user_id, tenant_id, email, name, role, technician_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      u.userId,
      u.tenantId,
      u.email,
      u.name,
      u.role,
      u.technicianId,
      u.passwordHash,
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw new EmailTaken();
    throw error;
  }
}

async function unlessEmailTaken(write: () => Promise<void>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof EmailTaken) return false;
    throw error;
  }
}

@Injectable()
export class PostgresTenantsRepository extends TenantsRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  addTenant(tenant: { tenantId: string; name: string }, admin: NewUser): Promise<boolean> {
    return unlessEmailTaken(() =>
      this.db.transaction(async (tx) => {
        await tx.query('INSERT INTO tenants (tenant_id, name) VALUES ($1, $2)', [tenant.tenantId, tenant.name]);
        await insertUser(tx, admin);
      }),
    );
  }

  addUser(user: NewUser): Promise<boolean> {
    return unlessEmailTaken(() => insertUser(this.db, user));
  }

  async addApiKey(k: NewApiKey): Promise<void> {
    await this.db.query('INSERT INTO api_keys (key_id, tenant_id, name, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [
      k.keyId,
      k.tenantId,
      k.name,
      k.keyHash,
      k.scopes,
      k.createdBy,
    ]);
  }

  async apiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.db.query<{ key_id: string; name: string; scopes: Scope[]; created_at: Date; revoked_at: Date | null }>(
      'SELECT key_id, name, scopes, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY created_at',
      [tenantId],
    );
    return rows.map((r) => ({ keyId: r.key_id, name: r.name, scopes: r.scopes, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  async revokeApiKey(tenantId: string, keyId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND key_id = $2', [tenantId, keyId]);
    return Boolean(rowCount);
  }
}

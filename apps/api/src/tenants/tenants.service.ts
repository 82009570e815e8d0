import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hashSecret, newSecret, problem } from '#libs/platform';
import { DatabaseService, isUniqueViolation, type Queryable } from '#libs/timescale';
import { sha256 } from '../auth/auth.guard';
import type { Scope } from '../auth/principal';
import type { CreateApiKeyDto, CreateTenantDto, CreateUserDto } from './dto/tenants.dto';


@Injectable()
export class TenantsService {
  constructor(private readonly db: DatabaseService) {}

  async createTenant(input: CreateTenantDto): Promise<{ tenantId: string; adminUserId: string }> {
    const tenantId = `tnt_${randomUUID()}`;
    return this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO tenants (tenant_id, name) VALUES ($1, $2)', [tenantId, input.name]);
      const admin = await this.insertUser(tx, tenantId, { email: input.adminEmail, name: input.adminName, role: 'admin', password: input.adminPassword });
      return { tenantId, adminUserId: admin.userId };
    });
  }

  createUser(tenantId: string, input: CreateUserDto) {
    return this.insertUser(this.db, tenantId, input);
  }

  async createApiKey(tenantId: string, createdBy: string, input: CreateApiKeyDto) {
    const keyId = `key_${randomUUID().replaceAll('-', '')}`;
    const secret = newSecret(32);
    await this.db.query('INSERT INTO api_keys (key_id, tenant_id, name, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [
      keyId,
      tenantId,
      input.name,
      sha256(secret).toString('hex'),
      input.scopes,
      createdBy,
    ]);
    return { keyId, name: input.name, scopes: input.scopes, apiKey: `${keyId}.${secret}`, note: 'shown once: store it now' };
  }

  async listApiKeys(tenantId: string) {
    const { rows } = await this.db.query<{ key_id: string; name: string; scopes: Scope[]; created_at: Date; revoked_at: Date | null }>(
      'SELECT key_id, name, scopes, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY created_at',
      [tenantId],
    );
    return rows.map((r) => ({ keyId: r.key_id, name: r.name, scopes: r.scopes, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  async revokeApiKey(tenantId: string, keyId: string): Promise<void> {
    const { rowCount } = await this.db.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE tenant_id = $1 AND key_id = $2', [tenantId, keyId]);
    if (!rowCount) throw problem(404, 'not-found', 'Not Found', `no API key ${keyId}`);
  }

  private async insertUser(q: Queryable, tenantId: string, input: Pick<CreateUserDto, 'email' | 'name' | 'role' | 'password' | 'technicianId'>) {
    const userId = `usr_${randomUUID()}`;
    const email = input.email.trim().toLowerCase();
    try {
      await q.query(
        'INSERT INTO users (user_id, tenant_id, email, name, role, technician_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [userId, tenantId, email, input.name, input.role, input.technicianId ?? null, await hashSecret(input.password)],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw problem(409, 'email-taken', 'Conflict', `a user with email ${email} already exists`);
      throw error;
    }
    return { userId, email, name: input.name, role: input.role, technicianId: input.technicianId ?? null };
  }
}

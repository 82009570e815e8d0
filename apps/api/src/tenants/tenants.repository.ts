import type { Role, Scope } from '../auth/principal';

export interface NewUser {
  userId: string;
  tenantId: string;
  /** Trimmed, lower case. */
  email: string;
  name: string;
  role: Role;
  technicianId: string | null;
  passwordHash: string;
}

export interface NewApiKey {
  keyId: string;
  tenantId: string;
  name: string;
  /** sha256 of the secret, hex. */
  keyHash: string;
  scopes: Scope[];
  createdBy: string;
}

export interface ApiKeyRecord {
  keyId: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  revokedAt: Date | null;
}

/** Tenants, their users and API keys (the port; the abstract class is the injection token). */
export abstract class TenantsRepository {
  /** The tenant and its first user in one transaction; false (and nothing written) when the user's email is taken. */
  abstract addTenant(tenant: { tenantId: string; name: string }, admin: NewUser): Promise<boolean>;
  /** False when the email is taken. */
  abstract addUser(user: NewUser): Promise<boolean>;
  abstract addApiKey(key: NewApiKey): Promise<void>;
  /** The tenant's keys, revoked ones too, oldest first. */
  abstract apiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** False when the tenant has no such key (revoking a revoked key is true and keeps its first revocation time). */
  abstract revokeApiKey(tenantId: string, keyId: string): Promise<boolean>;
}

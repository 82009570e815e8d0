import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hashSecret, newSecret } from '#libs/platform';
import { sha256 } from '../auth/auth.guard';
import type { CreateApiKeyDto, CreateTenantDto, CreateUserDto } from './dto/tenants.dto';
import { TenantsError } from './tenants.errors';
import { type NewUser, TenantsRepository } from './tenants.repository';

type UserInput = Pick<CreateUserDto, 'email' | 'name' | 'role' | 'password' | 'technicianId'>;

@Injectable()
export class TenantsService {
  constructor(private readonly repository: TenantsRepository) {}

  async createTenant(input: CreateTenantDto): Promise<{ tenantId: string; adminUserId: string }> {
    const tenantId = `tnt_${randomUUID()}`;
    const admin = await newUser(tenantId, { email: input.adminEmail, name: input.adminName, role: 'admin', password: input.adminPassword });
    if (!(await this.repository.addTenant({ tenantId, name: input.name }, admin))) throw TenantsError.emailTaken(admin.email);
    return { tenantId, adminUserId: admin.userId };
  }

  async createUser(tenantId: string, input: CreateUserDto) {
    const user = await newUser(tenantId, input);
    if (!(await this.repository.addUser(user))) throw TenantsError.emailTaken(user.email);
    return { userId: user.userId, email: user.email, name: input.name, role: input.role, technicianId: input.technicianId ?? null };
  }

  async createApiKey(tenantId: string, createdBy: string, input: CreateApiKeyDto) {
    const keyId = `key_${randomUUID().replaceAll('-', '')}`;
    const secret = newSecret(32);
    await this.repository.addApiKey({ keyId, tenantId, name: input.name, keyHash: sha256(secret).toString('hex'), scopes: input.scopes, createdBy });
    return { keyId, name: input.name, scopes: input.scopes, apiKey: `${keyId}.${secret}`, note: 'shown once: store it now' };
  }

  listApiKeys(tenantId: string) {
    return this.repository.apiKeys(tenantId);
  }

  async revokeApiKey(tenantId: string, keyId: string): Promise<void> {
    if (!(await this.repository.revokeApiKey(tenantId, keyId))) throw TenantsError.apiKeyNotFound(keyId);
  }
}

async function newUser(tenantId: string, input: UserInput): Promise<NewUser> {
  return {
    userId: `usr_${randomUUID()}`,
    tenantId,
    email: input.email.trim().toLowerCase(),
    name: input.name,
    role: input.role,
    technicianId: input.technicianId ?? null,
    passwordHash: await hashSecret(input.password),
  };
}

import { timingSafeEqual } from 'node:crypto';
import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { ApiCaller, ApiOpen, ApiProblems } from '../common/openapi';
import { IdParam } from '../common/routes';
import { Access, CurrentPrincipal, Public } from '../auth/access.decorator';
import { sha256 } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { problem } from '#libs/platform';
import { BOOTSTRAP_TOKEN } from '../api.options';
import { CreateApiKeyDto, CreateTenantDto, CreateUserDto } from './dto/tenants.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@Controller()
export class TenantsController {
  constructor(
    private readonly tenants: TenantsService,
    @Inject(BOOTSTRAP_TOKEN) private readonly bootstrapToken: string | undefined,
  ) {}

  /** Operator-only: creates a tenant and its first admin. Needs API_BOOTSTRAP_TOKEN set on the server. */
  @Post('tenants')
  @Public()
  @ApiHeader({ name: 'x-bootstrap-token', required: true })
  @ApiOpen()
  @ApiProblems(403, 409)
  createTenant(@Headers('x-bootstrap-token') token: string | undefined, @Body() body: CreateTenantDto) {
    const valid = this.bootstrapToken && token && timingSafeEqual(sha256(token), sha256(this.bootstrapToken));
    if (!valid) throw problem(403, 'forbidden', 'Forbidden', 'tenant creation needs the operator bootstrap token (X-Bootstrap-Token)');
    return this.tenants.createTenant(body);
  }

  @Post('users')
  @Access({ roles: ['admin'] })
  @ApiCaller({ apiKey: false })
  @ApiProblems(404, 409)
  createUser(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserDto) {
    return this.tenants.createUser(principal.tenantId, body);
  }

  @Post('api-keys')
  @Access({ roles: ['admin'] })
  @ApiCaller({ apiKey: false })
  createApiKey(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyDto) {
    return this.tenants.createApiKey(principal.tenantId, principal.id, body);
  }

  @Get('api-keys')
  @Access({ roles: ['admin'] })
  @ApiCaller({ apiKey: false })
  listApiKeys(@CurrentPrincipal() principal: Principal) {
    return this.tenants.listApiKeys(principal.tenantId);
  }

  @Delete('api-keys/:keyId')
  @HttpCode(204)
  @Access({ roles: ['admin'] })
  @ApiCaller({ apiKey: false })
  @IdParam('keyId')
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiProblems(404)
  async revokeApiKey(@CurrentPrincipal() principal: Principal, @Param('keyId') keyId: string) {
    await this.tenants.revokeApiKey(principal.tenantId, keyId);
  }
}

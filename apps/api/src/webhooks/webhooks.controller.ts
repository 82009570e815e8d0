import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { ApiCaller, ApiProblems } from '../common/openapi';
import { IdParam } from '../common/routes';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { CreateWebhookDto } from './dto/webhooks.dto';
import { WebhooksService } from './webhooks.service';

const ADMIN = { roles: ['admin'] } as const;

@ApiTags('webhooks')
@ApiCaller({ apiKey: false })
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Access(ADMIN)
  @ApiProblems(422)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateWebhookDto) {
    return this.webhooks.create(principal, body);
  }

  @Get()
  @Access(ADMIN)
  list(@CurrentPrincipal() principal: Principal) {
    return this.webhooks.list(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  @Access(ADMIN)
  @IdParam('id')
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblems(404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.webhooks.remove(principal, id);
  }

  @Get(':id/deliveries')
  @Access(ADMIN)
  @IdParam('id')
  @ApiProblems(404)
  deliveries(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.webhooks.deliveries(principal, id);
  }
}

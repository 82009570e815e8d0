import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { CreateWebhookDto } from './dto/webhooks.dto';
import { WebhooksService } from './webhooks.service';

const ADMIN = { roles: ['admin'] } as const;

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Access(ADMIN)
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
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.webhooks.remove(principal, id);
  }

  @Get(':id/deliveries')
  @Access(ADMIN)
  deliveries(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.webhooks.deliveries(principal, id);
  }
}

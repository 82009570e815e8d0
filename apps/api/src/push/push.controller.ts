import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal, Public } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { ApiCaller, ApiOpen, ApiProblems } from '../common/openapi';
import { IdParam } from '../common/routes';
import { CreatePushSubscriptionDto } from './dto/push.dto';
import { PushService } from './push.service';

const PEOPLE = { roles: ['admin', 'dispatcher', 'technician'] } as const;

@ApiTags('push')
@Controller('push')
export class PushController {
  constructor(private readonly push: PushService) {}

  /** The VAPID public key, the applicationServerKey a page passes to pushManager.subscribe(). */
  @Get('vapid-public-key')
  @Public()
  @ApiOpen()
  @ApiOkResponse({ schema: { type: 'object', required: ['publicKey'], properties: { publicKey: { type: 'string', description: 'base64url, 65 bytes (P-256 uncompressed point)' } } } })
  @ApiProblems(404)
  publicKey() {
    return this.push.publicKey();
  }

  @Post('subscriptions')
  @HttpCode(200)
  @Access(PEOPLE)
  @ApiCaller({ apiKey: false })
  @ApiOkResponse({ description: 'Saved (a repeat of the same endpoint updates it and answers the same id).' })
  @ApiProblems(404, 422)
  subscribe(@CurrentPrincipal() principal: Principal, @Body() body: CreatePushSubscriptionDto) {
    return this.push.subscribe(principal, body);
  }

  @Get('subscriptions')
  @Access(PEOPLE)
  @ApiCaller({ apiKey: false })
  mine(@CurrentPrincipal() principal: Principal) {
    return this.push.mine(principal);
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @Access(PEOPLE)
  @ApiCaller({ apiKey: false })
  @IdParam('id')
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblems(404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    await this.push.unsubscribe(principal, id);
  }
}

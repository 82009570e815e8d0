import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccessTokenVerifier, isRefusal, PUBLIC_ROUTE } from '#libs/platform';
import type { Caller } from '../calls/calls.service';

/** REST calls carry the API's access token (Bearer); health stays public. */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // the signaling socket authenticates at its handshake
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const header = request.headers.authorization;
    const verified = await this.tokens.verify(header?.startsWith('Bearer ') ? header.slice(7) : undefined);
    if (isRefusal(verified)) throw new UnauthorizedException(verified.message);
    request.caller = verified.caller;
    return true;
  }
}

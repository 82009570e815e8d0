import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { type AccessTokenClaims, PUBLIC_ROUTE, verifyAccessToken } from '#libs/platform';
import type { Caller } from '../calls/calls.service';

/** REST calls carry the API's access token (Bearer); health stays public. */
@Injectable()
export class CallerGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true; // the signaling socket authenticates at its handshake
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const header = request.headers.authorization;
    const verified = verifyAccessToken((t) => this.jwt.verify<AccessTokenClaims>(t, { algorithms: ['HS256'] }), header?.startsWith('Bearer ') ? header.slice(7) : undefined);
    if (typeof verified === 'string') throw new UnauthorizedException(verified);
    request.caller = verified.caller;
    return true;
  }
}

import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { PublicRoute } from '#libs/platform';
import type { Principal, Role, Scope } from './principal';

export const ACCESS = Symbol('ACCESS');

export interface AccessRule {
  /** Users with one of these roles may call. */
  roles: readonly Role[];
  /** API keys need this scope (routes without one are closed to API keys). */
  scope?: Scope;
}

/** Every route states who may call it; the guard refuses routes that don't (closed by default). */
export const Access = (rule: AccessRule) => SetMetadata(ACCESS, rule);
/** No credentials needed (login, refresh, operator bootstrap). */
export const Public = PublicRoute;

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<Request & { principal?: Principal }>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});

import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccessTokenVerifier, isRefusal, problem, PUBLIC_ROUTE } from '#libs/platform';
import { ACCESS, type AccessRule } from './access.decorator';
import { AuthAttempts } from './auth-attempts';
import { AuthRepository } from './auth.repository';
import type { Principal } from './principal';

export const sha256 = (value: string) => createHash('sha256').update(value).digest();

const unauthorized = (detail: string) => problem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer' });

/**
 * Resolves the caller from `Authorization: Bearer <JWT>` or `X-Api-Key: <keyId>.<secret>` and enforces
 * the route's Access rule. Global: a route without a rule is refused (closed by default).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenVerifier,
    private readonly credentials: AuthRepository,
    private readonly attempts: AuthAttempts,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS, targets);
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = await this.authenticate(request);
    request.principal = principal;
    if (!rule) throw problem(403, 'forbidden', 'Forbidden', 'this route is not open to anyone');
    if (principal.kind === 'api_key') {
      if (!rule.scope || !principal.scopes?.includes(rule.scope)) {
        throw problem(403, 'forbidden', 'Forbidden', rule.scope ? `this API key lacks the ${rule.scope} scope` : 'API keys cannot use this route');
      }
    } else if (!rule.roles.includes(principal.role)) {
      throw problem(403, 'forbidden', 'Forbidden', `role ${principal.role} may not do this (allowed: ${rule.roles.join(', ')})`);
    }
    return true;
  }

  private async authenticate(request: Request): Promise<Principal> {
    const apiKey = request.header('x-api-key');
    if (apiKey) return this.fromApiKey(apiKey, request.ip ?? 'unknown');
    const [scheme, token] = (request.header('authorization') ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('send Authorization: Bearer <access token> (POST /auth/login) or X-Api-Key');
    const verdict = await this.tokens.verify(token);
    if (isRefusal(verdict)) throw unauthorized(verdict.refused === 'expired' ? 'the access token has expired: POST /auth/refresh' : 'the access token is invalid');
    const { caller } = verdict;
    return { tenantId: caller.tenantId, kind: 'user', id: caller.userId, role: caller.role, technicianId: caller.technicianId };
  }

  /** Refused keys are counted per address: past the limit every key from it gets 429 until the lock ends. */
  private async fromApiKey(value: string, address: string): Promise<Principal> {
    await this.attempts.assertOpen('api_key', address);
    const [keyId, secret] = value.split('.');
    if (!keyId || !secret) {
      await this.attempts.failed('api_key', address);
      throw unauthorized('X-Api-Key must be <keyId>.<secret>');
    }
    const row = await this.credentials.activeApiKey(keyId);
    // Compare even when the key is unknown, so timing does not tell which key ids exist.
    const expected = row ? Buffer.from(row.keyHash, 'hex') : sha256('no such key');
    if (!timingSafeEqual(expected, sha256(secret)) || !row) {
      await this.attempts.failed('api_key', address);
      throw unauthorized('unknown or revoked API key');
    }
    return { tenantId: row.tenantId, kind: 'api_key', id: keyId, role: 'integrator', scopes: row.scopes };
  }
}

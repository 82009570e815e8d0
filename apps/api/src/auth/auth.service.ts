import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type AccessTokenClaims, newSecret, problem, verifySecret } from '#libs/platform';
import { AUTH_OPTIONS, type AuthOptions } from '../api.options';
import { sha256 } from './auth.guard';
import { AuthRepository, type RefreshTokenWriter, type TokenOwner } from './auth.repository';

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
}

// A fixed hash to verify against when the email is unknown: the answer takes as long either way.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

// 401s stay problems: no domain error kind stands for them.
const invalidRefresh = () => problem(401, 'invalid-refresh-token', 'Unauthorized', 'the refresh token is invalid, expired or already used: log in again');

/**
 * Login issues a short-lived JWT and a refresh token; each refresh consumes its token and issues a new
 * pair. Presenting a consumed refresh token revokes its whole family (token theft detection).
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly repository: AuthRepository,
    private readonly jwt: JwtService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  async login(email: string, password: string): Promise<TokenPair> {
    const user = await this.repository.activeUserByEmail(email.trim().toLowerCase());
    const ok = await verifySecret(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw problem(401, 'invalid-credentials', 'Unauthorized', 'wrong email or password');
    return this.issue(user, randomUUID());
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const [tokenId, secret] = refreshToken.split('.');
    if (!tokenId || !secret) throw invalidRefresh();
    // The transaction answers instead of throwing where it must commit (revoking a stolen family).
    const outcome = await this.repository.refreshTransaction(async (tx): Promise<TokenPair | 'refused'> => {
      const token = await tx.lockRefreshToken(tokenId);
      if (!token || !timingSafeEqual(Buffer.from(token.tokenHash, 'hex'), sha256(secret))) return 'refused';
      if (token.usedAt || token.revokedAt) {
        await tx.revokeFamily(token.familyId);
        return 'refused';
      }
      if (token.expired) return 'refused';
      await tx.markUsed(tokenId);
      return this.issue(token.owner, token.familyId, tx);
    });
    if (outcome === 'refused') throw invalidRefresh();
    return outcome;
  }

  async logout(refreshToken: string): Promise<void> {
    const [tokenId] = refreshToken.split('.');
    await this.repository.revokeFamilyOf(tokenId!);
  }

  private async issue(user: TokenOwner, familyId: string, tokens: RefreshTokenWriter = this.repository): Promise<TokenPair> {
    const claims: AccessTokenClaims = { sub: user.userId, tid: user.tenantId, role: user.role, ...(user.technicianId ? { tech: user.technicianId } : {}) };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: this.options.accessTokenTtlSeconds, algorithm: 'HS256' });
    const tokenId = randomUUID();
    const secret = newSecret(32);
    await tokens.addRefreshToken({
      tokenId,
      familyId,
      tenantId: user.tenantId,
      userId: user.userId,
      tokenHash: sha256(secret).toString('hex'),
      ttlSeconds: this.options.refreshTokenTtlSeconds,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.options.accessTokenTtlSeconds, refreshToken: `${tokenId}.${secret}` };
  }
}

import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type AccessTokenClaims, AccessTokenSigner, newSecret, problem, verifySecret } from '#libs/platform';
import { AUTH_OPTIONS, type AuthOptions } from '../api.options';
import { AuthAttempts } from './auth-attempts';
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
 * Login issues a short-lived JWT (signed with the api's private key) and a refresh token; each
 * refresh consumes its token and issues a new pair. Presenting a consumed refresh token revokes its whole family (token theft detection).
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly repository: AuthRepository,
    private readonly tokens: AccessTokenSigner,
    private readonly attempts: AuthAttempts,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
  ) {}

  /** `address`: where the request came from; failures are counted per address and per account. */
  async login(email: string, password: string, address: string): Promise<TokenPair> {
    const account = email.trim().toLowerCase();
    // A locked account or address is refused before the password is looked at: the right one too.
    await this.attempts.assertOpen('login', address, account);
    const user = await this.repository.activeUserByEmail(account);
    const ok = await verifySecret(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      await this.attempts.failed('login', address, { email: account, tenantId: user?.tenantId, userId: user?.userId });
      throw problem(401, 'invalid-credentials', 'Unauthorized', 'wrong email or password');
    }
    await this.attempts.succeeded(account, address);
    return this.issue(user, randomUUID());
  }

  async refresh(refreshToken: string, address: string): Promise<TokenPair> {
    await this.attempts.assertOpen('refresh', address);
    const outcome = await this.rotate(refreshToken);
    if (outcome !== 'refused') return outcome;
    await this.attempts.failed('refresh', address);
    throw invalidRefresh();
  }

  private async rotate(refreshToken: string): Promise<TokenPair | 'refused'> {
    const [tokenId, secret] = refreshToken.split('.');
    if (!tokenId || !secret) return 'refused';
    // The transaction answers instead of throwing where it must commit (revoking a stolen family).
    return this.repository.refreshTransaction(async (tx): Promise<TokenPair | 'refused'> => {
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
  }

  async logout(refreshToken: string): Promise<void> {
    const [tokenId] = refreshToken.split('.');
    await this.repository.revokeFamilyOf(tokenId!);
  }

  private async issue(user: TokenOwner, familyId: string, tokens: RefreshTokenWriter = this.repository): Promise<TokenPair> {
    const claims: AccessTokenClaims = { sub: user.userId, tid: user.tenantId, role: user.role, ...(user.technicianId ? { tech: user.technicianId } : {}) };
    const accessToken = this.tokens.sign(claims, this.options.accessTokenTtlSeconds);
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

import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { problem } from '#libs/platform';
import { addressKey, GuessLimiter, type GuessPolicy, guessPolicy, type GuessSubject, RedisService, retryAfterSeconds } from '#libs/redis';
import type { ApiEnv } from '../api.env';

/** The credentials a caller can guess at over HTTP. */
export type Credential = 'login' | 'refresh' | 'api_key';

/** The account a login named: its normalised email, and who it is when the email is known. */
export interface LoginAccount {
  email: string;
  tenantId?: string;
  userId?: string;
}

export const AUTH_ATTEMPTS_OPTIONS = Symbol('AUTH_ATTEMPTS_OPTIONS');

export interface AuthAttemptsOptions {
  logger: Logger;
  namespace: string;
  /** Per account (email), logins only. */
  account: GuessPolicy;
  /** Per source address, one budget per credential. */
  address: Record<Credential, GuessPolicy>;
}

export const authAttemptsOptions = (env: ApiEnv, logger: Logger): AuthAttemptsOptions => ({
  logger,
  namespace: env.GUESS_NAMESPACE,
  account: guessPolicy(env, env.GUESS_LOGIN_PER_ACCOUNT),
  address: {
    login: guessPolicy(env, env.GUESS_LOGIN_PER_ADDRESS),
    refresh: guessPolicy(env, env.GUESS_REFRESH_PER_ADDRESS),
    api_key: guessPolicy(env, env.GUESS_API_KEY_PER_ADDRESS),
  },
});

const addressOf = (credential: Credential, address: string): GuessSubject => ({ kind: `${credential}:address`, id: addressKey(address) });
const accountOf = (email: string): GuessSubject => ({ kind: 'login:account', id: email });

/**
 * Failed logins, refreshes and API keys, counted in Redis per source address (and per account for
 * logins) across every API instance. Past the limit the subject is locked: every attempt, the right
 * password included, is refused with 429 TOO_MANY_ATTEMPTS and Retry-After until the lock ends. Unknown
 * emails are counted and locked like known ones, so a lockout tells nothing about which accounts exist.
 */
@Injectable()
export class AuthAttempts {
  private readonly limiter: GuessLimiter;

  constructor(
    redis: RedisService,
    @Inject(AUTH_ATTEMPTS_OPTIONS) private readonly options: AuthAttemptsOptions,
  ) {
    this.limiter = new GuessLimiter(redis, options.namespace);
  }

  /**
   * Refuses (429) while the address, or the account a login names, is locked. A login is counted
   * before its password is checked (GuessLimiter.admit), so many at once cannot all be checked before
   * the first failure is counted: passwords are the guessable credential. Refresh tokens and API keys
   * are 256-bit secrets; checking their lock suffices.
   */
  async assertOpen(credential: Credential, address: string, email?: string): Promise<void> {
    const ms =
      credential === 'login' && email !== undefined
        ? await this.limiter.admit([
            { subject: addressOf('login', address), policy: this.options.address.login },
            { subject: accountOf(email), policy: this.options.account },
          ])
        : await this.limiter.lockedFor([addressOf(credential, address)]);
    if (ms <= 0) return;
    const seconds = retryAfterSeconds(ms);
    throw problem(429, 'too-many-attempts', 'Too Many Requests', `too many failed attempts: retry after ${seconds} s`, { code: 'TOO_MANY_ATTEMPTS' }, { 'retry-after': String(seconds) });
  }

  /** Counts one failure against the address (and the account); logs it, and the lockout it may cause. */
  async failed(credential: Credential, address: string, account?: LoginAccount): Promise<void> {
    const admitted = credential === 'login' && account !== undefined; // counted when admitted
    const [byAddress, byAccount] = await Promise.all([
      admitted ? this.limiter.admittedFailed(addressOf(credential, address), this.options.address[credential]) : this.limiter.fail(addressOf(credential, address), this.options.address[credential]),
      account ? this.limiter.admittedFailed(accountOf(account.email), this.options.account) : undefined,
    ]);
    // The email itself stays out of the log; a known account is named by its ids.
    const who = { credential, address, tenantId: account?.tenantId, userId: account?.userId };
    this.options.logger.info({ context: 'auth.attempts', event: credential === 'login' ? 'auth.login_failed' : 'auth.credential_refused', ...who }, 'credential refused');
    for (const [locked, scope] of [
      [byAddress.lockedMs, 'address'],
      [byAccount?.lockedMs ?? 0, 'account'],
    ] as const) {
      if (locked > 0) this.options.logger.warn({ context: 'auth.attempts', event: 'auth.locked_out', scope, lockedSeconds: retryAfterSeconds(locked), ...who }, `${scope} locked after repeated failures`);
    }
  }

  /** A successful login forgives the account's failures, and takes back its advance count on the address (the address's failures stay). */
  async succeeded(email: string, address: string): Promise<void> {
    await Promise.all([this.limiter.reset(accountOf(email)), this.limiter.admittedSucceeded(addressOf('login', address))]);
  }
}

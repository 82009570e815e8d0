import { verify } from 'node:crypto';
import { type AccessTokenClaims, ROLES, type TokenRefusal, type TokenVerdict, type VerifiedCaller } from './access-token';
import { signatureOptions } from './access-token-signer';
import type { VerificationKey } from './token-keys';

const MISSING: TokenRefusal = { refused: 'missing', message: 'unauthorized: pass the access token as ?access_token= or an Authorization: Bearer header' };
const INVALID: TokenRefusal = { refused: 'invalid', message: 'unauthorized: the access token is invalid' };
const EXPIRED: TokenRefusal = { refused: 'expired', message: 'unauthorized: the access token has expired' };
const NO_EXPIRY: TokenRefusal = { refused: 'no-expiry', message: 'unauthorized: the access token has no expiry' };

/** Where a verifier learns keys again: a JWKS file re-read, or the api's JWKS URL fetched. */
export interface KeyRefresh {
  load: () => Promise<VerificationKey[]>;
  /** Reload this often, so a key the api dropped stops being accepted. */
  everyMs: number;
  /** A token with an unknown kid reloads at most this often (random kids must not hammer the api). */
  unknownKidEveryMs: number;
  onError: (error: Error) => void;
}

interface Header {
  alg?: unknown;
  kid?: unknown;
  crit?: unknown;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Tokens remembered as verified: a caller's every request carries the same one for its whole life. */
const VERIFIED_MAX = 10_000;

function json(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isClaims = (c: Record<string, unknown>): c is Record<string, unknown> & AccessTokenClaims =>
  typeof c.sub === 'string' && typeof c.tid === 'string' && ROLES.includes(c.role as never) && (c.tech === undefined || typeof c.tech === 'string');

/**
 * Checks access tokens with public keys only, each chosen by the token's kid. The header's alg must be
 * the chosen key's own: `none`, HS256 (an HMAC keyed with the public key) and any other algorithm are
 * refused before a signature is looked at, and so is a `crit` extension. Synchronous whenever the kid
 * is known, so a gateway registers a connection before the socket's next frame can arrive.
 */
export class AccessTokenVerifier {
  private keys = new Map<string, VerificationKey>();
  // A signature check costs ~0.1 ms (docs/security.md); the same bytes under the same keys pass again.
  private readonly verified = new Map<string, VerifiedCaller>();
  private reloading?: Promise<void>;
  private nextUnknownKidReload = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    keys: VerificationKey[],
    private readonly refresh?: KeyRefresh,
  ) {
    this.use(keys);
  }

  get kids(): string[] {
    return [...this.keys.keys()];
  }

  verify(token: string | undefined, nowMs = Date.now()): TokenVerdict | Promise<TokenVerdict> {
    if (!token) return MISSING;
    const known = this.verified.get(token);
    if (known) return nowMs >= known.expiresAt ? EXPIRED : known;
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return INVALID;
    const header = json(parts[0]!) as Header | undefined;
    if (!header || header.crit !== undefined || typeof header.kid !== 'string') return INVALID;
    if (this.keys.has(header.kid) || !this.refresh || performance.now() < this.nextUnknownKidReload) return this.check(parts, header, nowMs);
    return this.reload(true).then(() => this.check(parts, header, nowMs));
  }

  private check([head, body, signature]: string[], header: Header, nowMs: number): TokenVerdict {
    const key = this.keys.get(header.kid as string);
    if (!key || header.alg !== key.alg) return INVALID;
    const { digest, dsaEncoding } = signatureOptions(key.alg);
    if (!verify(digest, Buffer.from(`${head}.${body}`), { key: key.key, dsaEncoding }, Buffer.from(signature!, 'base64url'))) return INVALID;
    const claims = json(body!);
    if (!claims || !isClaims(claims)) return INVALID;
    if (typeof claims.exp !== 'number') return NO_EXPIRY;
    if (nowMs >= claims.exp * 1000) return EXPIRED;
    if (typeof claims.nbf === 'number' && nowMs < claims.nbf * 1000) return INVALID;
    const verdict: VerifiedCaller = Object.freeze({
      caller: Object.freeze({ tenantId: claims.tid, userId: claims.sub, role: claims.role, ...(claims.tech ? { technicianId: claims.tech } : {}) }),
      expiresAt: claims.exp * 1000,
    });
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(`${head}.${body}.${signature}`, verdict);
    return verdict;
  }

  /** Loads the keys again (one load at a time); a failed load keeps the keys known before. */
  reload(forUnknownKid = false): Promise<void> {
    const refresh = this.refresh;
    if (!refresh) return Promise.resolve();
    this.reloading ??= refresh
      .load()
      .then(
        (keys) => {
          this.use(keys);
          this.nextUnknownKidReload = performance.now() + refresh.unknownKidEveryMs;
        },
        (error: Error) => {
          refresh.onError(error);
          // The api may be starting: try again soon, still bounded.
          this.nextUnknownKidReload = performance.now() + Math.min(2000, refresh.unknownKidEveryMs);
        },
      )
      .finally(() => (this.reloading = undefined));
    if (forUnknownKid) this.nextUnknownKidReload = Number.POSITIVE_INFINITY; // until this load settles
    return this.reloading;
  }

  /** Nest's start hook: loads once, then every `everyMs`. */
  async onModuleInit(): Promise<void> {
    if (!this.refresh || this.timer) return;
    this.timer = setInterval(() => void this.reload(), this.refresh.everyMs);
    this.timer.unref();
    await this.reload();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private use(keys: VerificationKey[]): void {
    this.keys = new Map(keys.map((k) => [k.kid, k]));
    this.verified.clear(); // a dropped key's tokens must not pass from memory
  }
}

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Constructor } from '../config/base.env';
import { EnvConnectionUrl, EnvInt, EnvString } from '../config/env-decorators';
import { ConfigError } from '../config/load-config';
import { AccessTokenVerifier } from './access-token-verifier';
import { keysFromJwks, type VerificationKey } from './token-keys';

/** The apps that check the api's access tokens (realtime, media): where they find its public keys. */
export function withTokenVerifierEnv<Base extends Constructor>(base: Base) {
  class TokenVerifierEnv extends base {
    /** The api's public keys as it serves them (http://api:3000/.well-known/jwks.json); or JWT_PUBLIC_KEYS_FILE. */
    @EnvConnectionUrl(['http', 'https'])
    JWKS_URL?: string;

    /** A JWK Set file with the api's public keys, instead of JWKS_URL. */
    @EnvString()
    JWT_PUBLIC_KEYS_FILE?: string;

    /** The keys are loaded again this often (a key the api dropped stops being accepted), and on a token with an unknown kid. */
    @EnvInt({ min: 1, max: 86_400 })
    JWKS_REFRESH_S: number = 300;
  }
  return TokenVerifierEnv;
}

export type TokenVerifierEnv = InstanceType<ReturnType<typeof withTokenVerifierEnv<Constructor>>>;

const FETCH_TIMEOUT_MS = 5000;

async function fetchJwks(url: string): Promise<VerificationKey[]> {
  const reply = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
  if (!reply.ok) throw new Error(`${url} answered ${reply.status}`);
  return keysFromJwks(await reply.json());
}

const jwksFile = (text: string): VerificationKey[] => keysFromJwks(JSON.parse(text));

/**
 * The verifier an app's environment asks for. A key file that cannot be read or holds no usable key
 * stops the app at start (exit 78); the URL is fetched once the app starts, and an api not up yet is
 * only a warning: its keys are fetched again when a token names one.
 */
export function accessTokenVerifierFromEnv(config: TokenVerifierEnv, app: string, logger: Logger): AccessTokenVerifier {
  const { JWKS_URL: url, JWT_PUBLIC_KEYS_FILE: file } = config;
  if (!url === !file) throw new ConfigError(app, [{ variable: 'JWKS_URL', problem: "set exactly one of JWKS_URL (the api's /.well-known/jwks.json) and JWT_PUBLIC_KEYS_FILE (a JWK Set file)" }]);
  let initial: VerificationKey[] = [];
  if (file) {
    try {
      initial = jwksFile(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(app, [{ variable: 'JWT_PUBLIC_KEYS_FILE', problem: `${file}: ${(error as Error).message}` }]);
    }
    if (initial.length === 0) throw new ConfigError(app, [{ variable: 'JWT_PUBLIC_KEYS_FILE', problem: `${file} holds no Ed25519 or P-256 signing key with a kid` }]);
  }
  const everyMs = config.JWKS_REFRESH_S * 1000;
  const started = performance.now();
  const verifier: AccessTokenVerifier = new AccessTokenVerifier(initial, {
    load: file ? async () => jwksFile(await readFile(file, 'utf8')) : () => fetchJwks(url!),
    everyMs,
    unknownKidEveryMs: Math.min(30_000, everyMs),
    onError: (error) => {
      // Started beside the api (npm run up), the first fetches may precede it: not yet worth a warning.
      const starting = verifier.kids.length === 0 && performance.now() - started < 30_000;
      logger[starting ? 'info' : 'warn']({ context: 'access-tokens', source: file ?? url, err: error.message }, 'access-token keys not loaded; keeping the ones known before');
    },
  });
  return verifier;
}

import { readFileSync } from 'node:fs';
import {
  AccessTokenSigner,
  AccessTokenVerifier,
  ConfigError,
  type Jwks,
  publicJwk,
  signingKeyFromPem,
  type VerificationKey,
  verificationKeyFromPem,
  verificationKeyOf,
} from '#libs/platform';
import type { ApiEnv } from '../api.env';

/** What the api does with its keys: sign with one, accept and publish it and the rotation keys. */
export interface AccessTokenKeys {
  signer: AccessTokenSigner;
  verifier: AccessTokenVerifier;
  jwks: Jwks;
}

/** The JWK Set the api serves at /.well-known/jwks.json (provided from app.module.ts). */
export const JWKS = Symbol('JWKS');

function read<T>(variable: string, path: string, parse: (pem: Buffer) => T): T {
  try {
    return parse(readFileSync(path));
  } catch (error) {
    throw new ConfigError('api', [{ variable, problem: `${path}: ${(error as Error).message}` }]);
  }
}

/**
 * JWT_PRIVATE_KEY_FILE signs; each of JWT_ROTATION_KEY_FILES (the next key before the switch, the
 * previous one until its last tokens expire) is accepted and published but never signs. Bad files
 * stop the api at start (exit 78), not at the first login.
 */
export function accessTokenKeys(config: Pick<ApiEnv, 'JWT_PRIVATE_KEY_FILE' | 'JWT_ROTATION_KEY_FILES'>): AccessTokenKeys {
  const signing = read('JWT_PRIVATE_KEY_FILE', config.JWT_PRIVATE_KEY_FILE, signingKeyFromPem);
  const rotation = (config.JWT_ROTATION_KEY_FILES ?? '')
    .split(',')
    .map((path) => path.trim())
    .filter(Boolean)
    .map((path) => read('JWT_ROTATION_KEY_FILES', path, verificationKeyFromPem));
  const keys = new Map<string, VerificationKey>([verificationKeyOf(signing), ...rotation].map((k) => [k.kid, k]));
  return { signer: new AccessTokenSigner(signing), verifier: new AccessTokenVerifier([...keys.values()]), jwks: { keys: [...keys.values()].map(publicJwk) } };
}

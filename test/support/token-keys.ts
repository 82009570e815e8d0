import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AccessTokenSigner, type Jwks, publicJwk, signingKeyFromPem, verificationKeyOf } from '#libs/platform';

// Access-token keys for the tests: made per test process (no private key lives in the repository),
// written where the apps read them: the api its private key, realtime and media a JWK Set.

const dir = mkdtempSync(path.join(tmpdir(), 'fieldline-token-keys-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
let made = 0;

export interface TestTokenKey {
  kid: string;
  signer: AccessTokenSigner;
  /** JWT_PRIVATE_KEY_FILE (or one of JWT_ROTATION_KEY_FILES) of the api. */
  privateKeyFile: string;
  /** A JWK Set of this key alone: JWT_PUBLIC_KEYS_FILE of realtime and media. */
  publicKeysFile: string;
}

export function newTokenKey(type: 'ed25519' | 'ec' = 'ed25519'): TestTokenKey {
  const pem = generateKeyPairSync(type as 'ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const key = signingKeyFromPem(pem);
  made += 1;
  const privateKeyFile = path.join(dir, `key-${made}.pem`);
  writeFileSync(privateKeyFile, pem, { mode: 0o600 });
  const signer = new AccessTokenSigner(key);
  return { kid: key.kid, signer, privateKeyFile, publicKeysFile: jwksFile([{ signer }]) };
}

/** A JWK Set file of these keys' public halves. */
export function jwksFile(keys: { signer: AccessTokenSigner }[]): string {
  const jwks: Jwks = { keys: keys.map((k) => publicJwk(verificationKeyOf(k.signer.key))) };
  made += 1;
  const file = path.join(dir, `jwks-${made}.json`);
  writeFileSync(file, JSON.stringify(jwks));
  return file;
}

/** The key every helper (startApi, startGateway, token) shares unless a test brings its own. */
export const TEST_TOKEN_KEY = newTokenKey();

/** An api's environment for unit specs that build its app without a stack: every dependency's address unreachable. */
export const API_ENV_WITHOUT_STACK = {
  HTTP_PORT: '0',
  HTTP_HOST: '127.0.0.1',
  LOG_LEVEL: 'fatal',
  JWT_PRIVATE_KEY_FILE: TEST_TOKEN_KEY.privateKeyFile,
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  REDIS_URL: 'redis://127.0.0.1:1',
  KAFKA_BROKERS: '127.0.0.1:1',
};

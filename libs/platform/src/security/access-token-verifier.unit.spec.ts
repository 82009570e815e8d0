import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import type { AccessTokenClaims, TokenVerdict } from './access-token';
import { AccessTokenSigner } from './access-token-signer';
import { AccessTokenVerifier } from './access-token-verifier';
import { jwkThumbprint, keysFromJwks, publicJwk, type SigningKey, signingKeyFromPem, type VerificationKey, verificationKeyOf } from './token-keys';

const claims: AccessTokenClaims = { sub: 'u-1', tid: 'tnt_a', role: 'dispatcher', tech: 'tech-1' };
const pem = (type: 'ed25519' | 'ec') =>
  generateKeyPairSync(type as 'ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const newKey = (type: 'ed25519' | 'ec' = 'ed25519'): SigningKey => signingKeyFromPem(pem(type).privateKey);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const segments = (token: string) => token.split('.') as [string, string, string];
const headerOf = (token: string) => JSON.parse(Buffer.from(segments(token)[0], 'base64url').toString());

async function verdict(verifier: AccessTokenVerifier, token: string | undefined): Promise<TokenVerdict> {
  return verifier.verify(token);
}
const refusal = async (verifier: AccessTokenVerifier, token: string | undefined) => ((await verdict(verifier, token)) as { refused?: string }).refused;

describe.each(['ed25519', 'ec'] as const)('%s keys', (type) => {
  const key = newKey(type);
  const signer = new AccessTokenSigner(key);
  const verifier = new AccessTokenVerifier([verificationKeyOf(key)]);

  it('sign a token with the key id and algorithm in its header, and verify it synchronously', () => {
    const token = signer.sign(claims, 900);
    expect(headerOf(token)).toEqual({ alg: type === 'ed25519' ? 'EdDSA' : 'ES256', typ: 'JWT', kid: key.kid });
    const result = verifier.verify(token);
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toEqual({ caller: { tenantId: 'tnt_a', userId: 'u-1', role: 'dispatcher', technicianId: 'tech-1' }, expiresAt: expect.any(Number) });
  });

  it('remember a verified token until its expiry, not beyond', async () => {
    const token = signer.sign(claims, 60);
    expect(verifier.verify(token)).toBe(verifier.verify(token));
    expect(await refusal(verifier, token)).toBeUndefined();
    expect((verifier.verify(token, Date.now() + 61_000) as { refused?: string }).refused).toBe('expired');
  });

  it('refuse a token whose payload was changed after signing', async () => {
    const [head, , signature] = segments(signer.sign(claims, 900));
    expect(await refusal(verifier, `${head}.${b64({ ...claims, role: 'admin', exp: 9_999_999_999 })}.${signature}`)).toBe('invalid');
  });

  it('refuse a token signed by another key under this kid', async () => {
    const impostor = new AccessTokenSigner({ ...newKey(type), kid: key.kid });
    expect(await refusal(verifier, impostor.sign(claims, 900))).toBe('invalid');
  });

  it('refuse an expired token, and one without an expiry', async () => {
    expect(await refusal(verifier, signer.sign(claims, 60, Date.now() - 61_000))).toBe('expired');
    const input = `${b64({ alg: key.alg, kid: key.kid })}.${b64(claims)}`;
    const options = type === 'ec' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' as const } : key.privateKey;
    expect(await refusal(verifier, `${input}.${sign(type === 'ec' ? 'sha256' : null, Buffer.from(input), options).toString('base64url')}`)).toBe('no-expiry');
  });
});

describe('algorithm confusion and headers', () => {
  const key = newKey();
  const verifier = new AccessTokenVerifier([verificationKeyOf(key)]);
  const body = b64({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 });

  it('refuses alg none', async () => {
    expect(await refusal(verifier, `${b64({ alg: 'none', kid: key.kid })}.${body}.`)).toBe('invalid');
    expect(await refusal(verifier, `${b64({ alg: 'none', kid: key.kid })}.${body}.AA`)).toBe('invalid');
  });

  it('refuses HS256 keyed with the public key (the PEM, the raw key or the JWK text)', async () => {
    const head = b64({ alg: 'HS256', kid: key.kid });
    const publicKey = verificationKeyOf(key).key;
    for (const secret of [publicKey.export({ type: 'spki', format: 'pem' }), publicKey.export({ type: 'spki', format: 'der' }), JSON.stringify(publicJwk(verificationKeyOf(key)))]) {
      const mac = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
      expect(await refusal(verifier, `${head}.${body}.${mac}`)).toBe('invalid');
    }
  });

  it("refuses a header naming another algorithm than the key's own", async () => {
    const input = `${b64({ alg: 'ES256', kid: key.kid })}.${body}`;
    expect(await refusal(verifier, `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`)).toBe('invalid');
  });

  it('refuses an unknown kid, a missing kid and a crit extension', async () => {
    const stranger = new AccessTokenSigner(newKey());
    expect(await refusal(verifier, stranger.sign(claims, 900))).toBe('invalid');
    const input = `${b64({ alg: 'EdDSA' })}.${body}`;
    expect(await refusal(verifier, `${input}.${sign(null, Buffer.from(input), key.privateKey).toString('base64url')}`)).toBe('invalid');
    const critical = `${b64({ alg: 'EdDSA', kid: key.kid, crit: ['exp'] })}.${body}`;
    expect(await refusal(verifier, `${critical}.${sign(null, Buffer.from(critical), key.privateKey).toString('base64url')}`)).toBe('invalid');
  });

  it('refuses what is not a compact JWS, and says when there is no token', async () => {
    for (const garbage of ['garbage', 'a.b', 'a.b.c.d', `${b64({ alg: 'EdDSA', kid: key.kid })}.${body}.sig+nature`, '..']) expect(await refusal(verifier, garbage)).toBe('invalid');
    expect(await refusal(verifier, undefined)).toBe('missing');
  });

  it('refuses claims of the wrong shape (a role no one has)', async () => {
    const signer = new AccessTokenSigner(key);
    expect(await refusal(verifier, signer.sign({ ...claims, role: 'root' as never }, 900))).toBe('invalid');
  });
});

describe('interoperability', () => {
  it('ES256 tokens are what other JWT libraries sign and check (raw r‖s signatures, not DER)', async () => {
    const { privateKey, publicKey } = pem('ec');
    const key = signingKeyFromPem(privateKey);
    expect(jsonwebtoken.verify(new AccessTokenSigner(key).sign(claims, 900), publicKey, { algorithms: ['ES256'] })).toMatchObject({ sub: 'u-1' });
    const theirs = jsonwebtoken.sign(claims, privateKey, { algorithm: 'ES256', keyid: key.kid, expiresIn: 900 });
    expect(await verdict(new AccessTokenVerifier([verificationKeyOf(key)]), theirs)).toMatchObject({ caller: { userId: 'u-1' } });
  });

  it('kids are RFC 7638 thumbprints (RFC 8037 A.3 vector)', () => {
    const [key] = keysFromJwks({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'any' }] });
    expect(jwkThumbprint(key!.key)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('a JWK Set is read back as the keys it was written from; one with a private member is refused whole', () => {
    const keys = [verificationKeyOf(newKey()), verificationKeyOf(newKey('ec'))];
    const read = keysFromJwks({ keys: [...keys.map(publicJwk), { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'rsa' }] });
    expect(read.map((k) => [k.kid, k.alg])).toEqual(keys.map((k) => [k.kid, k.alg]));
    const leaked = newKey().privateKey.export({ format: 'jwk' });
    expect(() => keysFromJwks({ keys: [{ ...leaked, kid: 'oops' }] })).toThrow(/private or secret key/);
  });
});

describe('rotation', () => {
  const oldKey = newKey();
  const newer = newKey();

  it('while both keys are listed, tokens of either pass; new tokens name the new kid; once the old key is gone, its tokens are refused', async () => {
    const oldToken = new AccessTokenSigner(oldKey).sign(claims, 900);
    const during = new AccessTokenVerifier([verificationKeyOf(newer), verificationKeyOf(oldKey)]);
    const newToken = new AccessTokenSigner(newer).sign(claims, 900);
    expect(headerOf(newToken).kid).toBe(newer.kid);
    expect(await refusal(during, oldToken)).toBeUndefined();
    expect(await refusal(during, newToken)).toBeUndefined();
    const after = new AccessTokenVerifier([verificationKeyOf(newer)]);
    expect(await refusal(after, oldToken)).toBe('invalid');
    expect(await refusal(after, newToken)).toBeUndefined();
  });
});

describe('reloading keys', () => {
  function source(initial: VerificationKey[]) {
    const state = { keys: initial, loads: 0, failing: false, errors: [] as string[] };
    const verifier = new AccessTokenVerifier(initial, {
      load: async () => {
        state.loads += 1;
        if (state.failing) throw new Error('api down');
        return state.keys;
      },
      everyMs: 3_600_000,
      unknownKidEveryMs: 60_000,
      onError: (e) => state.errors.push(e.message),
    });
    return { state, verifier };
  }
  const a = newKey();
  const b = newKey();

  it('a token with an unknown kid loads the keys again, at most once per bound (a spray of random kids loads once)', async () => {
    const { state, verifier } = source([verificationKeyOf(a)]);
    state.keys = [verificationKeyOf(a), verificationKeyOf(b)];
    const pending = verifier.verify(new AccessTokenSigner(b).sign(claims, 900));
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toMatchObject({ caller: { userId: 'u-1' } });
    for (let i = 0; i < 20; i++) expect(await refusal(verifier, new AccessTokenSigner(newKey()).sign(claims, 900))).toBe('invalid');
    expect(state.loads).toBe(1);
  });

  it('a load that fails keeps the keys known before; a load without a key drops it', async () => {
    const { state, verifier } = source([verificationKeyOf(a), verificationKeyOf(b)]);
    const tokenA = new AccessTokenSigner(a).sign(claims, 900);
    state.failing = true;
    await verifier.reload();
    expect(state.errors).toEqual(['api down']);
    expect(await refusal(verifier, tokenA)).toBeUndefined();
    state.failing = false;
    state.keys = [verificationKeyOf(b)];
    await verifier.reload();
    expect(verifier.kids).toEqual([b.kid]);
    expect(await refusal(verifier, tokenA)).toBe('invalid');
  });
});

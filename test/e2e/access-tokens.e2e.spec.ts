import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verificationKeyOf } from '#libs/platform';
import type { ApiClient } from '../support/api-client';
import { login, newTenant, startApi, type Tenant } from '../support/api';
import { type AppProcess, freeRtcPort, runAppToExit, stackEnv, startAppProcess, tryParse } from '../support/app-process';
import { rawSocket, startGateway, token, wsUrl } from '../support/realtime';
import { newTokenKey, type TestTokenKey } from '../support/token-keys';

// Access tokens across the apps: the api signs with its private key and publishes the public half;
// realtime and media check tokens with what the api publishes, and nothing else. A key rotation keeps
// everyone logged in while both keys are listed, and locks the old key's tokens out once it is dropped.

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { alg: string; kid: string };

/** The realtime gateway's answer to a token: authenticated, or the close code and reason. */
async function realtimeSays(gateway: AppProcess, jwt: string): Promise<string> {
  const { socket, frames, closed } = await rawSocket(`${wsUrl(gateway)}?access_token=${jwt}`);
  socket.send(JSON.stringify({ event: 'auth', data: { token: jwt } }));
  let poll: NodeJS.Timeout | undefined;
  const answer = await Promise.race([
    closed.then(({ code, reason }) => `closed ${code}: ${reason}`),
    new Promise<string>((resolve) => {
      poll = setInterval(() => frames.some((f) => f.event === 'authenticated') && resolve('authenticated'), 20);
    }),
  ]);
  clearInterval(poll);
  socket.close();
  return answer;
}

const jwks = async (url: string) => {
  const reply = await fetch(`${url}/.well-known/jwks.json`);
  return { cacheControl: reply.headers.get('cache-control'), body: (await reply.json()) as { keys: Record<string, string>[] } };
};

describe('one api, realtime and media verifying through its JWKS URL', () => {
  const key = newTokenKey();
  let api: AppProcess;
  let http: ApiClient;
  let gateway: AppProcess;
  let media: AppProcess;
  let acme: Tenant;

  beforeAll(async () => {
    ({ app: api, http } = await startApi({ JWT_PRIVATE_KEY_FILE: key.privateKeyFile }));
    const keysUrl = { JWT_PUBLIC_KEYS_FILE: '', JWKS_URL: `${api.url}/.well-known/jwks.json` };
    [gateway, media, acme] = await Promise.all([
      startGateway(keysUrl),
      startAppProcess('media', { ...stackEnv(), ...keysUrl, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', MEDIA_WORKERS: '1', MEDIA_RTC_PORT: String(await freeRtcPort()) }),
      newTenant(http),
    ]);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), gateway?.stop(), media?.stop()]);
  });

  it('the api publishes its public key only, under its RFC 7638 thumbprint, and signs with it (EdDSA, kid in the header)', async () => {
    const { body, cacheControl } = await jwks(api.url);
    expect(body).toEqual({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: key.kid, alg: 'EdDSA', use: 'sig' }] });
    expect(cacheControl).toBe('public, max-age=60');
    expect(headerOf(acme.dispatcherToken)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: key.kid });
  });

  it("realtime and media accept the api's tokens, checked with the keys from its URL", async () => {
    expect(await realtimeSays(gateway, acme.dispatcherToken)).toBe('authenticated');
    const call = await fetch(`${media.url}/calls/call_none`, { headers: { authorization: `Bearer ${acme.dispatcherToken}` } });
    expect(call.status).toBe(404);
  });

  it('every app refuses a token of a key the api does not publish, alg none, and HS256 keyed with the public key', async () => {
    const stranger = token({ tenantId: acme.tenantId, userId: 'u-x', role: 'admin' }, 900, newTokenKey().signer);
    const body = b64({ sub: 'u-x', tid: acme.tenantId, role: 'admin', exp: Math.floor(Date.now() / 1000) + 600 });
    const none = `${b64({ alg: 'none', kid: key.kid })}.${body}.`;
    const publicPem = verificationKeyOf(key.signer.key).key.export({ type: 'spki', format: 'pem' });
    const hsHead = b64({ alg: 'HS256', kid: key.kid });
    const hs256 = `${hsHead}.${body}.${createHmac('sha256', publicPem).update(`${hsHead}.${body}`).digest('base64url')}`;
    for (const forged of [stranger, none, hs256]) {
      expect((await http.as(forged).get('/jobs')).status).toBe(401);
      expect(await realtimeSays(gateway, forged)).toMatch(/^closed 4001: unauthorized: the access token is invalid/);
      expect((await fetch(`${media.url}/calls/call_none`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    }
  });
});

it('realtime refuses to start with a JWK Set that holds a private key (the signing key stays in the api): exit 78', async () => {
  const leaked = { ...newTokenKey().signer.key.privateKey.export({ format: 'jwk' }), kid: 'leaked' };
  const file = path.join(tmpdir(), `fieldline-leaked-jwks-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ keys: [leaked] }));
  const { code, lines } = await runAppToExit('realtime', { ...stackEnv(), HTTP_PORT: '0', JWT_PUBLIC_KEYS_FILE: file });
  expect(code).toBe(78);
  expect(lines.map(tryParse).find((r) => r?.event === 'config.invalid')).toMatchObject({ problems: [{ variable: 'JWT_PUBLIC_KEYS_FILE', problem: expect.stringContaining('private') }] });
});

describe('key rotation', () => {
  // The api restarts on one port, as a rolling deploy would; realtime keeps following its JWKS URL.
  const oldKey = newTokenKey();
  const newKey = newTokenKey('ec');
  let port: number;
  let api: AppProcess | undefined;
  let gateway: AppProcess;
  let open: Awaited<ReturnType<typeof rawSocket>> | undefined;
  /** JWKS_REFRESH_S=1: realtime has loaded the api's keys again. */
  const reloaded = () => new Promise((r) => setTimeout(r, 2_500));

  async function apiWith(signing: TestTokenKey, rotation: TestTokenKey[]): Promise<ApiClient> {
    await api?.stop();
    const started = await startApi({ HTTP_PORT: String(port), JWT_PRIVATE_KEY_FILE: signing.privateKeyFile, JWT_ROTATION_KEY_FILES: rotation.map((k) => k.privateKeyFile).join(',') });
    api = started.app;
    return started.http;
  }

  beforeAll(async () => {
    port = await freeRtcPort();
    await apiWith(oldKey, []);
    gateway = await startGateway({ JWT_PUBLIC_KEYS_FILE: '', JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, JWKS_REFRESH_S: '1' });
  });
  afterAll(async () => {
    open?.socket.close();
    await Promise.all([api?.stop(), gateway?.stop()]);
  });

  it('old tokens pass while both keys are listed, new ones carry the new kid, and once the old key is dropped its tokens are refused', async () => {
    let http = await apiWith(oldKey, []);
    const acme = await newTenant(http);
    const oldToken = acme.dispatcherToken;
    expect(headerOf(oldToken).kid).toBe(oldKey.kid);
    open = await rawSocket(`${wsUrl(gateway)}?access_token=${oldToken}`);

    // 1. The next key is published before it signs anything: the verifiers learn it at their next reload.
    await apiWith(oldKey, [newKey]);
    expect((await jwks(`http://127.0.0.1:${port}`)).body.keys.map((k) => k.kid).sort()).toEqual([oldKey.kid, newKey.kid].sort());
    await reloaded();

    // 2. The switch: the new key signs, the old one is still accepted and published.
    http = await apiWith(newKey, [oldKey]);
    const newToken = await login(http, acme.emails.dispatcher);
    expect(headerOf(newToken)).toMatchObject({ alg: 'ES256', kid: newKey.kid });
    expect((await http.as(oldToken).get('/jobs')).status).toBe(200);
    expect((await http.as(newToken).get('/jobs')).status).toBe(200);
    expect(await realtimeSays(gateway, newToken)).toBe('authenticated');
    expect(await realtimeSays(gateway, oldToken)).toBe('authenticated');
    expect(open.socket.readyState).toBe(open.socket.OPEN); // no one was logged out

    // 3. The old key's tokens have expired (here: pretend so); it is dropped.
    http = await apiWith(newKey, []);
    expect((await http.as(oldToken).get('/jobs')).status).toBe(401);
    expect((await http.as(newToken).get('/jobs')).status).toBe(200);
    await reloaded();
    expect(await realtimeSays(gateway, oldToken)).toMatch(/^closed 4001/);
    expect(await realtimeSays(gateway, newToken)).toBe('authenticated');
  });
});

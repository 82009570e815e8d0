import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createAuthority } from '#libs/platform';
import { type DevelopmentTls, ensureDevelopmentTls } from '../../tools/stack/development-tls';
import { type AppName, type AppProcess, freeRtcPort, stackEnv, startAppProcess } from '../support/app-process';
import { TEST_TOKEN_KEY } from '../support/token-keys';

// Every HTTP app serving TLS itself (TLS_CERT_FILE/TLS_KEY_FILE): HTTPS and WSS on its port for a
// client trusting the deployment's CA, a client trusting another CA refused, nothing in clear, HSTS on.
// realtime and media load the api's public keys over HTTPS too, trusting the CA (NODE_EXTRA_CA_CERTS).

const dir = mkdtempSync(join(tmpdir(), 'fieldline-https-'));
let tls: DevelopmentTls;
let wrongCa: Buffer;
const apps = new Map<AppName, AppProcess>();

beforeAll(async () => {
  tls = await ensureDevelopmentTls(dir);
  wrongCa = Buffer.from((await createAuthority('Some other CA', new Date())).cert);
  const env = { ...stackEnv(), HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'info', TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile };
  const api = await startAppProcess('api', { ...env, JWT_PRIVATE_KEY_FILE: TEST_TOKEN_KEY.privateKeyFile });
  apps.set('api', api);
  const keys = { JWKS_URL: `https://localhost:${new URL(api.url).port}/.well-known/jwks.json`, NODE_EXTRA_CA_CERTS: tls.caFile };
  const [realtime, media] = await Promise.all([
    startAppProcess('realtime', { ...env, ...keys }),
    startAppProcess('media', { ...env, ...keys, MEDIA_RTC_PORT: String(await freeRtcPort()) }),
  ]);
  apps.set('realtime', realtime!).set('media', media!);
}, 90_000);

afterAll(async () => {
  await Promise.all([...apps.values()].map((app) => app.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** GET over HTTPS as `localhost` (the name in the certificate), trusting `ca`. */
const getTls = (url: string, ca: Buffer) =>
  new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const { port, pathname } = new URL(url);
    httpsRequest({ host: 'localhost', port, path: pathname, ca }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, headers: res.headers });
    })
      .on('error', reject)
      .end();
  });

describe.each(['api', 'realtime', 'media'] as const)('%s', (name) => {
  const app = () => apps.get(name)!;

  it('answers over HTTPS to a client trusting the deployment CA, with HSTS', async () => {
    expect(app().url).toMatch(/^https:\/\//);
    const reply = await getTls(`${app().url}/health/live`, readFileSync(tls.caFile));
    expect(reply.status).toBe(200);
    expect(reply.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('is refused by a client trusting another CA, and answers nothing in clear', async () => {
    await expect(getTls(`${app().url}/health/live`, wrongCa)).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/) });
    const plain = new Promise<number>((resolve, reject) => {
      const { port } = new URL(app().url);
      request({ host: '127.0.0.1', port, path: '/health/live' }, (res) => resolve(res.statusCode!)).on('error', reject).end();
    });
    // an HTTPS server answers a plaintext request with a bare 400 or drops it; never the route
    await expect(plain.then((status) => (status === 200 ? 'answered in clear' : 'refused'), () => 'refused')).resolves.toBe('refused');
  });
});

it('upgrades WebSockets over TLS (realtime) for a client trusting the CA, and not for one trusting another; realtime checks tokens with keys it read over HTTPS', async () => {
  const open = (ca: Buffer) =>
    new Promise<string>((resolve) => {
      const { port } = new URL(apps.get('realtime')!.url);
      const socket = new WebSocket(`wss://localhost:${port}/ws`, { ca });
      // without a token the app refuses the caller: an HTTP answer or a close, both after TLS held
      socket.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`));
      socket.on('close', (code) => resolve(`closed ${code}`));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(`tls ${error.code}`));
    });
  expect(await open(readFileSync(tls.caFile))).toMatch(/^(http 401|closed 4\d\d\d)$/);
  const token = TEST_TOKEN_KEY.signer.sign({ sub: 'usr_https', tid: 'tnt_https', role: 'dispatcher' }, 60);
  const { port } = new URL(apps.get('realtime')!.url);
  const socket = new WebSocket(`wss://localhost:${port}/ws?access_token=${token}`, { ca: readFileSync(tls.caFile) });
  await expect(new Promise((resolve, reject) => socket.once('open', () => resolve('open')).once('error', reject).once('close', (code) => reject(new Error(`closed ${code}`))))).resolves.toBe('open');
  socket.close();
  expect(await open(wrongCa)).toMatch(/^tls (SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO)/);
});

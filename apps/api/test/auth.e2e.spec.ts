import { randomUUID } from 'node:crypto';
import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { login, must, newTenant, PASSWORD, startApi, type Tenant } from '../../../test/support/api';

// Identity and request hygiene over HTTP: refresh rotation with reuse detection, API keys with
// scopes, Idempotency-Key replays.

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;

beforeAll(async () => {
  ({ app, http } = await startApi());
  acme = await newTenant(http);
});
afterAll(async () => {
  await app?.stop();
});

describe('refresh tokens', () => {
  it('rotate: each refresh token works once; replaying a used one revokes the whole family', async () => {
    const first = await must(http.post('/auth/login', { email: acme.emails.dispatcher, password: PASSWORD }));
    const second = await must(http.post('/auth/refresh', { refreshToken: first.refreshToken }));
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await http.as(second.accessToken).get('/jobs')).status).toBe(200);

    const replay = await http.post('/auth/refresh', { refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    // The thief's replay also killed the legitimate, newer token of that login.
    expect((await http.post('/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(401);
  });

  it('logout revokes the login', async () => {
    const tokens = await must(http.post('/auth/login', { email: acme.emails.technician, password: PASSWORD }));
    expect((await http.post('/auth/logout', { refreshToken: tokens.refreshToken })).status).toBe(204);
    expect((await http.post('/auth/refresh', { refreshToken: tokens.refreshToken })).status).toBe(401);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const wrong = await http.post('/auth/login', { email: acme.emails.admin, password: 'not-the-password' });
    const unknown = await http.post('/auth/login', { email: 'nobody@e2e.example', password: PASSWORD });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });
});

describe('API keys', () => {
  it('are shown once, scoped, and revocable', async () => {
    const created = await must(acme.admin.post('/api-keys', { name: 'ERP read', scopes: ['jobs:read'] }));
    const integrator = http.withApiKey(created.apiKey);
    expect((await integrator.get('/jobs')).status).toBe(200);
    const write = await integrator.post('/jobs', { title: 'from ERP' });
    expect(write.status).toBe(403);
    expect(write.body.detail).toContain('jobs:write');
    const listed = await must(acme.admin.get('/api-keys'));
    expect(JSON.stringify(listed)).not.toContain(created.apiKey.split('.')[1]); // the secret never comes back
    expect((await acme.admin.send('DELETE', `/api-keys/${created.keyId}`)).status).toBe(204);
    expect((await integrator.get('/jobs')).status).toBe(401);
  });

  it('a wrong secret for a real key id is refused', async () => {
    const created = await must(acme.admin.post('/api-keys', { name: 'typo', scopes: ['jobs:read'] }));
    expect((await http.withApiKey(`${created.keyId}.wrong`).get('/jobs')).status).toBe(401);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response to a retry and appends nothing more', async () => {
    const key = randomUUID();
    const body = { title: 'Idempotent job' };
    const first = await acme.dispatcher.post('/jobs', body, { 'idempotency-key': key });
    const retry = await acme.dispatcher.post('/jobs', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    const all = await must(acme.dispatcher.get('/jobs?limit=200'));
    expect(all.items.filter((j: { title: string }) => j.title === 'Idempotent job')).toHaveLength(1);
  });

  it('refuses the same key for a different request', async () => {
    const key = randomUUID();
    await must(acme.dispatcher.post('/jobs', { title: 'A' }, { 'idempotency-key': key }));
    const other = await acme.dispatcher.post('/jobs', { title: 'B' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
  });

  it('lets a failed command be retried with the same key', async () => {
    const job = await must(acme.dispatcher.post('/jobs', { title: 'retry me' }));
    const key = randomUUID();
    const failed = await acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: 'tech_nobody' }, { 'idempotency-key': key });
    expect(failed.status).toBe(422); // TECHNICIAN_UNAVAILABLE
    const retried = await acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: 'tech_nobody' }, { 'idempotency-key': key });
    expect(retried.status).toBe(422); // ran again (not replayed), same refusal
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('rate limits', () => {
  it('answer 429 with Retry-After past the budget, per caller, never on health probes', async () => {
    const limited = await startApi({ RATE_LIMIT_PER_MINUTE: '5' });
    try {
      // Tenant and tokens from the unlimited instance (same JWT secret): only the calls below are counted.
      const tenant = await newTenant(http);
      const dispatcher = tenant.dispatcher.at(limited.app.url);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await dispatcher.get('/jobs')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await dispatcher.get('/jobs');
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.body).toMatchObject({ status: 429, type: expect.stringContaining('rate-limited') });
      expect((await tenant.technician.at(limited.app.url).get('/jobs')).status).toBe(200); // another caller, its own budget
      for (let i = 0; i < 8; i++) expect((await limited.http.get('/health/live')).status).toBe(200);
    } finally {
      await limited.app.stop();
    }
  });
});

describe('guessing limits', () => {
  const wrong = (client: ApiClient, email: string) => client.post('/auth/login', { email, password: 'not-the-password' });
  const expectLocked = (reply: { status: number; headers: Headers; body: any }, maxSeconds: number) => {
    expect(reply.status).toBe(429);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(reply.headers.get('retry-after'))).toBeLessThanOrEqual(maxSeconds);
    expect(reply.body).toMatchObject({ status: 429, code: 'TOO_MANY_ATTEMPTS', type: expect.stringContaining('too-many-attempts') });
  };

  it('lock an account after 5 wrong passwords on every instance, the right one too; other accounts and unknown emails alike', async () => {
    // Two instances sharing one namespace: the count and the lock live in Redis, not in a process.
    const shared = { GUESS_NAMESPACE: `e2e-shared-${randomUUID()}`, GUESS_LOGIN_PER_ACCOUNT: '5', GUESS_LOGIN_PER_ADDRESS: '1000', GUESS_LOCK_S: '60' };
    const [a, b] = await Promise.all([startApi(shared), startApi(shared)]);
    try {
      const tenant = await newTenant(http);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await wrong(i % 2 ? a.http : b.http, tenant.emails.dispatcher)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      expectLocked(await wrong(a.http, tenant.emails.dispatcher), 60);
      expectLocked(await b.http.post('/auth/login', { email: tenant.emails.dispatcher, password: PASSWORD }), 60);
      expectLocked(await a.http.post('/auth/login', { email: tenant.emails.dispatcher.toUpperCase(), password: PASSWORD }), 60); // the same account however written
      expect((await a.http.post('/auth/login', { email: tenant.emails.admin, password: PASSWORD })).status).toBe(200);
      // An unknown email is counted and locked the same way: a lockout does not tell which accounts exist.
      const nobody = `nobody-${randomUUID().slice(0, 6)}@e2e.example`;
      for (let i = 0; i < 5; i++) expect((await wrong(a.http, nobody)).status).toBe(401);
      expectLocked(await wrong(a.http, nobody), 60);
      // A success forgives the failures before it.
      for (let i = 0; i < 4; i++) expect((await wrong(a.http, tenant.emails.technician)).status).toBe(401);
      expect((await a.http.post('/auth/login', { email: tenant.emails.technician, password: PASSWORD })).status).toBe(200);
      for (let i = 0; i < 4; i++) expect((await wrong(a.http, tenant.emails.technician)).status).toBe(401);
      expect((await a.http.post('/auth/login', { email: tenant.emails.technician, password: PASSWORD })).status).toBe(200);
    } finally {
      await Promise.all([a.app.stop(), b.app.stop()]);
    }
  });

  it('check at most the budget of passwords sent at once: the attempts past it are refused unchecked, and the account is locked', async () => {
    const limited = await startApi({ GUESS_LOGIN_PER_ACCOUNT: '5', GUESS_LOGIN_PER_ADDRESS: '1000', GUESS_LOCK_S: '60' });
    try {
      const tenant = await newTenant(http);
      // 30 guesses in flight together: a lock check made before any failure was counted would let all 30 be tried
      const statuses = await Promise.all(Array.from({ length: 30 }, () => wrong(limited.http, tenant.emails.dispatcher).then((r) => r.status)));
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
      expectLocked(await limited.http.post('/auth/login', { email: tenant.emails.dispatcher, password: PASSWORD }), 60);
      // logins of others from the same address are not held back by it
      expect((await limited.http.post('/auth/login', { email: tenant.emails.admin, password: PASSWORD })).status).toBe(200);
    } finally {
      await limited.app.stop();
    }
  });

  it('lock longer each time the same account is locked again', async () => {
    const limited = await startApi({ GUESS_LOGIN_PER_ACCOUNT: '1', GUESS_LOGIN_PER_ADDRESS: '1000', GUESS_LOCK_S: '1', GUESS_LOCK_MAX_S: '4' });
    try {
      const email = `backoff-${randomUUID().slice(0, 6)}@e2e.example`;
      const retryAfters: string[] = [];
      for (let lockout = 0; lockout < 3; lockout++) {
        expect((await wrong(limited.http, email)).status).toBe(401); // this failure locks
        const refused = await wrong(limited.http, email);
        expect(refused.status).toBe(429);
        retryAfters.push(refused.headers.get('retry-after')!);
        await new Promise((resolve) => setTimeout(resolve, Number(retryAfters.at(-1)) * 1000 + 100));
      }
      expect(retryAfters).toEqual(['1', '2', '4']);
    } finally {
      await limited.app.stop();
    }
  });

  it('lock an address per credential: logins, refresh tokens and API keys each after their own failures', async () => {
    const limited = await startApi({ GUESS_LOGIN_PER_ACCOUNT: '1000', GUESS_LOGIN_PER_ADDRESS: '3', GUESS_REFRESH_PER_ADDRESS: '3', GUESS_API_KEY_PER_ADDRESS: '3', GUESS_LOCK_S: '60' });
    try {
      const tenant = await newTenant(http);
      const key = await must(tenant.admin.post('/api-keys', { name: 'guess', scopes: ['jobs:read'] }));
      const tokens = await must(http.post('/auth/login', { email: tenant.emails.technician, password: PASSWORD }));
      const api = limited.http;

      // API keys: three wrong ones (a wrong secret, an unknown id, a malformed value), then even the right key is refused.
      for (const bad of [`${key.keyId}.wrong`, `key_${randomUUID()}.secret`, 'no-dot']) expect((await api.withApiKey(bad).get('/jobs')).status).toBe(401);
      expectLocked(await api.withApiKey(key.apiKey).get('/jobs'), 60);
      expect((await tenant.dispatcher.at(api.baseUrl).get('/jobs')).status).toBe(200); // bearer tokens are not API keys

      // Refresh tokens: the same, and the lock does not touch logins.
      for (let i = 0; i < 3; i++) expect((await api.post('/auth/refresh', { refreshToken: `${randomUUID()}.guess${i}` })).status).toBe(401);
      expectLocked(await api.post('/auth/refresh', { refreshToken: tokens.refreshToken }), 60);
      expect((await api.post('/auth/login', { email: tenant.emails.admin, password: PASSWORD })).status).toBe(200);

      // Logins: three failures over three accounts lock the address for every account.
      for (const email of [tenant.emails.admin, tenant.emails.dispatcher, `nobody-${randomUUID().slice(0, 6)}@e2e.example`]) expect((await wrong(api, email)).status).toBe(401);
      expectLocked(await api.post('/auth/login', { email: tenant.emails.technician, password: PASSWORD }), 60);
      // The refresh token presented while locked was never looked at: it still works elsewhere.
      expect((await http.post('/auth/refresh', { refreshToken: tokens.refreshToken })).status).toBe(200);
    } finally {
      await limited.app.stop();
    }
  });
});

describe('integrator users', () => {
  it('run dispatch like their API keys do, recorded as integrator actors, but cannot administer', async () => {
    const email = `erp-${randomUUID().slice(0, 6)}@e2e.example`;
    await must(acme.admin.post('/users', { email, name: 'ERP', role: 'integrator', password: PASSWORD }));
    const erp = http.as(await login(http, email));
    const job = await must(erp.post('/jobs', { title: 'from the ERP' }));
    const history = await must(erp.get(`/jobs/${job.id}/events`));
    expect(history.events[0].actor.kind).toBe('integrator');
    expect((await erp.post('/api-keys', { name: 'x', scopes: ['jobs:read'] })).status).toBe(403);
  });
});

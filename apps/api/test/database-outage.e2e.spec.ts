import type { AppProcess } from '../../../test/support/app-process';
import { laneEngine, TestDatabase } from '../../../test/support/test-database';
import type { ApiClient } from '../../../test/support/api-client';
import { newTenant, startApi, type Tenant, windowAroundNow } from '../../../test/support/api';

// The API outlives its database: a database of its own (the lane's engine — PostgreSQL or embedded — on a port of this test),
// SIGKILLed while dispatchers post jobs, then restarted over the same data. The API process stays up;
// while the database is gone it is not ready and answers 503 + Retry-After; it recovers by itself; and
// every job it acknowledged (201) is there afterwards.

const database = new TestDatabase();
let api: AppProcess;
let http: ApiClient;
let acme: Tenant;

beforeAll(async () => {
  await database.start();
  ({ app: api, http } = await startApi({ DATABASE_URL: database.url, DATABASE_POOL_MAX: '4' }));
  acme = await newTenant(http);
}, 120_000);

afterAll(async () => {
  await api?.stop();
  database.remove();
});

it(`stays up through a SIGKILLed database, answers 503 + Retry-After meanwhile, recovers, and loses nothing it acknowledged (${database.engine})`, async () => {
  const acknowledged: string[] = [];
  const statuses = new Map<number, number>();
  let posting = true;
  let n = 0;
  const poster = async () => {
    while (posting) {
      const reply = await acme.dispatcher.post('/jobs', { title: `outage ${++n}`, window: windowAroundNow() });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status === 201) acknowledged.push(reply.body.id);
      else {
        expect(reply.status).toBe(503);
        expect(reply.headers.get('retry-after')).toBe('2');
        expect(reply.body.code).toBe('DATABASE_UNAVAILABLE');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const posters = Array.from({ length: 4 }, poster);
  await new Promise((r) => setTimeout(r, 1_500));

  database.kill();
  await new Promise((r) => setTimeout(r, 3_000));
  expect(api.child.exitCode).toBeNull(); // still running
  expect((await fetch(`${api.url}/health/live`)).status).toBe(200);
  expect((await fetch(`${api.url}/health/ready`)).status).toBe(503);
  const during = await acme.dispatcher.post('/jobs', { title: 'while down', window: windowAroundNow() });
  expect(during).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });

  await database.start();
  const back = Date.now();
  for (;;) {
    if ((await fetch(`${api.url}/health/ready`)).status === 200) break;
    if (Date.now() - back > 30_000) throw new Error('the API did not become ready within 30 s of the database’s return');
    await new Promise((r) => setTimeout(r, 250));
  }
  const before = acknowledged.length;
  for (let i = 0; i < 100 && acknowledged.length < before + 8; i++) await new Promise((r) => setTimeout(r, 100));
  posting = false;
  await Promise.all(posters);

  expect(api.child.exitCode).toBeNull();
  expect(acknowledged.length).toBeGreaterThan(before); // posting again after the return
  expect([...statuses.keys()].sort()).toEqual([201, 503]); // nothing but success or retryable
  for (const id of acknowledged) expect((await acme.dispatcher.get(`/jobs/${id}`)).status).toBe(200);
}, 120_000);

it(`starts without its database: up but not ready, 503 meanwhile, and migrates and serves once it answers (${laneEngine()})`, async () => {
  const later = new TestDatabase(); // fresh: nothing migrated yet
  const { app, http: client } = await startApi({ DATABASE_URL: later.url, DATABASE_POOL_MAX: '4' });
  try {
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${app.url}/health/ready`)).status).toBe(503);
    const refused = await client.post('/auth/login', { email: 'nobody@example.com', password: 'whatever-0123456789' });
    expect(refused).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    expect(refused.headers.get('retry-after')).toBe('2');

    await later.start();
    const back = Date.now();
    while ((await fetch(`${app.url}/health/ready`)).status !== 200) {
      if (Date.now() - back > 30_000) throw new Error('not ready within 30 s of the database answering');
      await new Promise((r) => setTimeout(r, 250));
    }
    const tenant = await newTenant(client); // the whole schema is there: tenants, users, technicians
    expect((await tenant.dispatcher.post('/jobs', { title: 'after a late database', window: windowAroundNow() })).status).toBe(201);
    expect(app.child.exitCode).toBeNull();
  } finally {
    await app.stop();
    later.remove();
  }
}, 120_000);

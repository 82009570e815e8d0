import pino from 'pino';
import { DatabaseService } from '#libs/timescale';
import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, window } from '../../../test/support/api';

// The thread of a job as the projector stores it (chat_messages), read through the API.

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;
let other: Tenant;
let db: DatabaseService;

beforeAll(async () => {
  ({ app, http } = await startApi());
  [acme, other] = await Promise.all([newTenant(http), newTenant(http)]);
  db = new DatabaseService({ url: process.env.DATABASE_URL!, poolMax: 1, logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await app?.stop();
  await db?.onApplicationShutdown();
});

it('pages a job thread oldest first; only the tenant, and of technicians only the assigned one, may read it', async () => {
  const job = await must(acme.dispatcher.post('/jobs', { title: 'Boiler', window: window(2) }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  const t0 = Date.parse('2031-05-04T08:00:00Z');
  for (let i = 0; i < 5; i++) {
    await db.query(
      "INSERT INTO chat_messages (tenant_id, job_id, message_id, author_id, author_role, text, posted_at) VALUES ($1, $2, $3, 'u-1', 'dispatcher', $4, $5)",
      [acme.tenantId, job.id, `msg_${i}`, `message ${i}`, new Date(t0 + i * 60_000)],
    );
  }
  const first = await must(acme.technician.get(`/jobs/${job.id}/chat?limit=3`));
  expect(first.items.map((m: { text: string }) => m.text)).toEqual(['message 0', 'message 1', 'message 2']);
  const rest = await must(acme.dispatcher.get(`/jobs/${job.id}/chat?limit=3&cursor=${first.nextCursor}`));
  expect(rest).toEqual({ items: [expect.objectContaining({ text: 'message 3', postedAt: '2031-05-04T08:03:00.000Z' }), expect.objectContaining({ text: 'message 4' })], nextCursor: null });
  expect((await other.dispatcher.get(`/jobs/${job.id}/chat`)).status).toBe(404);

  const unassigned = await must(acme.dispatcher.post('/jobs', { title: 'Not theirs', window: window(2) }));
  expect((await acme.technician.get(`/jobs/${unassigned.id}/chat`)).status).toBe(404);
});

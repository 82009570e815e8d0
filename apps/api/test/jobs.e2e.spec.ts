import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { topics } from '#libs/events';
import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, window } from '../../../test/support/api';

// The dispatch workflow over HTTP against the real stack: the API as a process, TimescaleDB for the
// event store, Kafka for the outbox.

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

const newJob = (tenant: Tenant, extra: Record<string, unknown> = {}) =>
  must(tenant.dispatcher.post('/jobs', { title: 'Boiler noise', requiredSkills: ['HVAC'], window: window(3), ...extra }));

it('runs the whole lifecycle, with the history as the audit trail', async () => {
  const job = await newJob(acme);
  expect(job).toMatchObject({ status: 'unassigned', version: 1, requiredSkills: ['hvac'] });
  const assigned = await acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId });
  expect({ status: assigned.status, etag: assigned.headers.get('etag'), job: assigned.body.status }).toEqual({ status: 200, etag: '"2"', job: 'assigned' });
  for (const [step, status] of [['travel', 'en_route'], ['arrive', 'on_site'], ['complete', 'completed']] as const) {
    const reply = await acme.technician.post(`/jobs/${job.id}/${step}`, step === 'complete' ? { summary: 'replaced the pump' } : undefined);
    expect({ step, status: reply.status, job: reply.body.status }).toEqual({ step, status: 200, job: status });
  }
  const history = await must(acme.dispatcher.get(`/jobs/${job.id}/events`));
  expect(history.events.map((e: { type: string }) => e.type)).toEqual(['job.created', 'job.assigned', 'job.travel_started', 'job.arrived', 'job.completed']);
  expect(history.events.map((e: { streamPosition: number }) => e.streamPosition)).toEqual([1, 2, 3, 4, 5]);
  expect(history.events[2].actor.kind).toBe('user');
  expect(new Set(history.events.map((e: { tenantId: string }) => e.tenantId))).toEqual(new Set([acme.tenantId]));
});

it('refuses invalid transitions with a problem+json naming the code', async () => {
  const job = await newJob(acme);
  const reply = await acme.dispatcher.post(`/jobs/${job.id}/arrive`);
  expect(reply.status).toBe(409);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body).toMatchObject({ status: 409, code: 'INVALID_TRANSITION', detail: expect.stringContaining('unassigned') });
});

it('lets exactly one of two racing assignments win; the other gets 409', async () => {
  const job = await newJob(acme);
  const other = `tech_${randomUUID().slice(0, 8)}`;
  await must(acme.admin.post('/technicians', { technicianId: other, name: 'Other', skills: ['hvac'] }));
  const replies = await Promise.all([
    acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }),
    acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: other }),
  ]);
  expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
  const final = await must(acme.dispatcher.get(`/jobs/${job.id}`));
  expect(final.version).toBe(2);
});

it('refuses double booking (409) and missing skills (422), naming the conflict', async () => {
  const first = await newJob(acme, { window: window(5, 8) });
  await must(acme.dispatcher.post(`/jobs/${first.id}/assign`, { technicianId: acme.technicianId }));
  const overlapping = await newJob(acme, { window: window(5, 9) });
  const clash = await acme.dispatcher.post(`/jobs/${overlapping.id}/assign`, { technicianId: acme.technicianId });
  expect(clash.status).toBe(409);
  expect(clash.body).toMatchObject({ code: 'DOUBLE_BOOKED', detail: expect.stringContaining(first.id) });

  const electrical = await newJob(acme, { requiredSkills: ['electrical'], window: window(6) });
  const unskilled = await acme.dispatcher.post(`/jobs/${electrical.id}/assign`, { technicianId: acme.technicianId });
  expect(unskilled.status).toBe(422);
  expect(unskilled.body).toMatchObject({ code: 'MISSING_SKILLS', detail: expect.stringContaining('electrical') });
});

it('honours If-Match: the current ETag works, a stale one gets 412 with the current ETag', async () => {
  const job = await newJob(acme);
  const ok = await acme.dispatcher.post(`/jobs/${job.id}/priority`, { priority: 'high' }, { 'if-match': '"1"' });
  expect(ok.status).toBe(200);
  const stale = await acme.dispatcher.post(`/jobs/${job.id}/priority`, { priority: 'urgent' }, { 'if-match': '"1"' });
  expect(stale.status).toBe(412);
  expect(stale.headers.get('etag')).toBe('"2"');
});

it('validates bodies field by field and never answers bad input with a 500', async () => {
  const unknownField = await acme.dispatcher.post('/jobs', { title: 'x', bogus: true });
  expect(unknownField.status).toBe(400);
  expect(unknownField.body.errors).toEqual([{ field: 'bogus', messages: [expect.stringContaining('should not exist')] }]);
  const nul = await acme.dispatcher.post('/jobs', { title: 'boiler\u0000', window: window(3) });
  expect({ status: nul.status, errors: nul.body.errors }).toEqual({ status: 400, errors: [{ field: 'title', messages: [expect.stringContaining('NUL')] }] });
  const badLatitude = await acme.dispatcher.post('/jobs', { title: 'x', location: { lat: 91, lon: 0 } });
  expect(badLatitude.body.errors[0].field).toBe('location.lat');
  const malformed = await acme.dispatcher.post('/jobs', '{"title":');
  expect(malformed).toMatchObject({ status: 400, body: { type: expect.stringContaining('malformed-json') } });
  const badCursor = await acme.dispatcher.get('/jobs?cursor=nonsense');
  expect(badCursor.status).toBe(400);
});

it('enforces roles and authentication', async () => {
  expect((await http.get('/jobs')).status).toBe(401);
  expect((await acme.technician.post('/jobs', { title: 'mine' })).status).toBe(403);
  expect((await http.get('/health/ready')).status).toBe(200); // probes stay open
});

it('shows a technician only their own jobs', async () => {
  const mine = await newJob(acme, { window: window(9) });
  await must(acme.dispatcher.post(`/jobs/${mine.id}/assign`, { technicianId: acme.technicianId }));
  const notMine = await newJob(acme);
  const list = await must(acme.technician.get('/jobs?limit=200'));
  expect(list.items.every((j: { technicianId?: string }) => j.technicianId === acme.technicianId)).toBe(true);
  expect((await acme.technician.get(`/jobs/${notMine.id}`)).status).toBe(404);
});

it('pages with a cursor: every job once, in order', async () => {
  const tenant = await newTenant(http);
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push((await newJob(tenant)).id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: { id: string }[]; nextCursor: string | null } = await must(tenant.dispatcher.get(`/jobs?limit=3${cursor ? `&cursor=${cursor}` : ''}`));
    seen.push(...page.items.map((j) => j.id));
    cursor = page.nextCursor;
  } while (cursor);
  expect(seen).toEqual(ids);
});

it('isolates tenants: another tenant sees 404 for every job endpoint', async () => {
  const job = await newJob(acme);
  const other = await newTenant(http);
  const attempts = [
    other.dispatcher.get(`/jobs/${job.id}`),
    other.dispatcher.get(`/jobs/${job.id}/events`),
    other.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: other.technicianId }),
    other.dispatcher.post(`/jobs/${job.id}/cancel`, { reason: 'not yours' }),
    other.dispatcher.post(`/jobs/${job.id}/notes`, { text: 'hello' }),
    other.admin.get(`/technicians/${acme.technicianId}`),
  ];
  expect((await Promise.all(attempts)).map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404]);
  const list = await must(other.dispatcher.get('/jobs?limit=200'));
  expect(list.items.find((j: { id: string }) => j.id === job.id)).toBeUndefined();
  expect((await must(acme.dispatcher.get(`/jobs/${job.id}`))).version).toBe(1); // untouched
});

it('publishes every appended event to Kafka through the outbox, keyed by stream, in stream order', async () => {
  const job = await newJob(acme, { window: window(12) });
  await must(acme.dispatcher.post(`/jobs/${job.id}/assign`, { technicianId: acme.technicianId }));
  await must(acme.dispatcher.post(`/jobs/${job.id}/notes`, { text: 'gate code 4711' }));
  const history = await must(acme.dispatcher.get(`/jobs/${job.id}/events`));

  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `e2e-outbox-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.dispatch.name, fromBeginning: true });
  const seen: { id: string; position: number }[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (message.key?.toString() !== job.id) return;
        const event = JSON.parse(message.value!.toString());
        seen.push({ id: event.id, position: event.streamPosition });
        if (seen.length === history.events.length) resolve();
      },
    });
  });
  await consumer.disconnect();
  expect(seen).toEqual(history.events.map((e: { id: string; streamPosition: number }) => ({ id: e.id, position: e.streamPosition })));
});

it('bulk-assigns with a result per item, never claiming what did not happen', async () => {
  const a = await newJob(acme, { window: window(20, 8) });
  const b = await newJob(acme, { window: window(20, 9) }); // overlaps a
  const reply = await acme.dispatcher.post('/jobs/bulk-assign', {
    assignments: [
      { jobId: a.id, technicianId: acme.technicianId },
      { jobId: b.id, technicianId: acme.technicianId },
      { jobId: 'job_missing', technicianId: acme.technicianId },
    ],
  });
  expect(reply.status).toBe(207);
  expect(reply.body).toMatchObject({ succeeded: 1, failed: 2 });
  expect(reply.body.results.map((r: { status: number }) => r.status)).toEqual([200, 409, 404]);
  expect(reply.body.results[1].problem.code).toBe('DOUBLE_BOOKED');
  expect((await must(acme.dispatcher.get(`/jobs/${a.id}`))).status).toBe('assigned');
  expect((await must(acme.dispatcher.get(`/jobs/${b.id}`))).status).toBe('unassigned');
});

it('lists technicians by name, filtered by skill and availability, in cursor pages', async () => {
  const tenant = await newTenant(http);
  for (const [id, skills] of [['t_anna', ['gas']], ['t_ben', ['hvac', 'gas']], ['t_cleo', ['hvac']]] as const) {
    await must(tenant.admin.post('/technicians', { technicianId: id, name: id.slice(2), skills }));
  }
  await must(tenant.admin.post('/technicians/t_cleo/shift/start'));
  const gas = await must(tenant.dispatcher.get('/technicians?skill=GAS&limit=1'));
  expect(gas.items.map((t: { id: string }) => t.id)).toEqual(['t_anna']);
  const next = await must(tenant.dispatcher.get(`/technicians?skill=gas&limit=1&cursor=${gas.nextCursor}`));
  expect(next.items.map((t: { id: string }) => t.id)).toEqual(['t_ben']);
  expect((await must(tenant.dispatcher.get('/technicians?available=true'))).items.map((t: { id: string }) => t.id)).toEqual(['t_cleo']);
});

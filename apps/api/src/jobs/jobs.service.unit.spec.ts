import { InMemoryEventStore, CommandHandler, StaleVersionError } from '#libs/event-store';
import { ManualClock } from '#libs/platform';
import { toProblem } from '../common/api-problems';
import type { Principal } from '../auth/principal';
import { InMemoryJobsRepository } from './in-memory-jobs.repository';
import { JobsService } from './jobs.service';

// The jobs service on the in-memory event store and read model: its rules (assignment checks, who sees
// what, pages, If-Match) without the stack. The same service on PostgreSQL: apps/api/test/jobs.e2e.spec.ts.

const TENANT = 'acme';
const dispatcher: Principal = { tenantId: TENANT, kind: 'user', id: 'u-disp', role: 'dispatcher' };
const technician = (technicianId: string): Principal => ({ tenantId: TENANT, kind: 'user', id: `u-${technicianId}`, role: 'technician', technicianId });
const call = (principal: Principal, ifMatch?: number) => ({ principal, ...(ifMatch === undefined ? {} : { ifMatch }) });
// the last evening of a month and a year, UTC: the edge where local dates and UTC dates differ
const EVENING = '2026-12-31T22:45:00.000Z';

let clock: ManualClock;
let store: InMemoryEventStore;
let jobs: InMemoryJobsRepository;
let service: JobsService;

beforeEach(() => {
  clock = new ManualClock(new Date(EVENING));
  store = new InMemoryEventStore();
  jobs = new InMemoryJobsRepository();
  service = new JobsService(clock, new CommandHandler(store), store, jobs);
  jobs.technicians.set(`${TENANT}/tech-1`, { status: 'on_shift', skills: ['hvac', 'electrical'] });
  jobs.technicians.set(`${TENANT}/tech-2`, { status: 'on_shift', skills: ['plumbing'] });
});

const window = (start: string, end: string) => ({ start, end });
const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!error) throw new Error('expected a refusal, got success');
  return toProblem(error).problem;
};

describe('create', () => {
  it('answers the job as its command left it, stamped with the clock, and queues job.created for publishing', async () => {
    const job = await service.create(call(dispatcher), { title: 'Boiler pressure drops', requiredSkills: ['hvac'], window: window('2027-01-01T08:00:00.000Z', '2027-01-01T10:00:00.000Z') });
    expect(job).toMatchObject({ status: 'unassigned', version: 1, title: 'Boiler pressure drops', requiredSkills: ['hvac'], createdAt: EVENING, updatedAt: EVENING });
    expect(job.window).toEqual({ start: '2027-01-01T08:00:00.000Z', end: '2027-01-01T10:00:00.000Z' });
    expect(store.outbox.map((e) => [e.type, e.streamId, e.occurredAt])).toEqual([['job.created', job.id, EVENING]]);
    expect(await service.get(dispatcher, job.id)).toEqual(job);
  });
});

describe('assignment rules', () => {
  it('assigns a technician who has the skills and is free', async () => {
    const job = await service.create(call(dispatcher), { title: 'A', requiredSkills: ['hvac'] });
    clock.set('2026-12-31T23:59:59.999Z');
    const assigned = await service.execute(call(dispatcher), job.id, 'AssignJob', { technicianId: 'tech-1' });
    expect(assigned).toMatchObject({ status: 'assigned', technicianId: 'tech-1', version: 2, updatedAt: '2026-12-31T23:59:59.999Z', createdAt: EVENING });
  });

  it('refuses a technician without the skills (422), one who does not exist (422), and a double booking (409), appending nothing', async () => {
    const job = await service.create(call(dispatcher), { title: 'A', requiredSkills: ['hvac'], window: window('2027-01-01T08:00:00.000Z', '2027-01-01T10:00:00.000Z') });
    expect(await refusal(service.execute(call(dispatcher), job.id, 'AssignJob', { technicianId: 'tech-2' }))).toMatchObject({ status: 422, code: 'MISSING_SKILLS' });
    expect(await refusal(service.execute(call(dispatcher), job.id, 'AssignJob', { technicianId: 'tech-9' }))).toMatchObject({ status: 422, code: 'TECHNICIAN_UNAVAILABLE' });

    const other = await service.create(call(dispatcher), { title: 'B', window: window('2027-01-01T09:30:00.000Z', '2027-01-01T11:00:00.000Z') });
    await service.execute(call(dispatcher), other.id, 'AssignJob', { technicianId: 'tech-1' });
    expect(await refusal(service.execute(call(dispatcher), job.id, 'AssignJob', { technicianId: 'tech-1' }))).toMatchObject({ status: 409, code: 'DOUBLE_BOOKED' });
    expect(await store.version(TENANT, job.id)).toBe(1);
    expect((await service.get(dispatcher, job.id)).status).toBe('unassigned');
  });

  it('two assignments racing for one technician with overlapping windows: one books them, the other is refused as a double booking', async () => {
    const w = window('2027-01-01T08:00:00.000Z', '2027-01-01T10:00:00.000Z');
    const first = await service.create(call(dispatcher), { title: 'A', window: w });
    const second = await service.create(call(dispatcher), { title: 'B', window: w });
    // both read the technician free before either appends; the second append's guard sees the first
    const outcomes = await Promise.allSettled([first, second].map((job) => service.execute(call(dispatcher), job.id, 'AssignJob', { technicianId: 'tech-1' })));
    const problems = await Promise.all(outcomes.map((o) => (o.status === 'fulfilled' ? 'assigned' : refusal(Promise.reject(o.reason)).then((p) => p.code))));
    expect(problems.sort()).toEqual(['DOUBLE_BOOKED', 'assigned']);
    const board = await Promise.all([first, second].map((job) => service.get(dispatcher, job.id)));
    expect(board.filter((job) => job.technicianId === 'tech-1')).toHaveLength(1);
  });

  it('bulk assignment reports each item, and a later item sees the bookings of the earlier ones', async () => {
    const w = window('2027-01-01T08:00:00.000Z', '2027-01-01T10:00:00.000Z');
    const first = await service.create(call(dispatcher), { title: 'A', window: w });
    const second = await service.create(call(dispatcher), { title: 'B', window: w });
    const results = await service.bulkAssign(call(dispatcher), [
      { jobId: first.id, technicianId: 'tech-1' },
      { jobId: second.id, technicianId: 'tech-1' },
      { jobId: 'job_missing', technicianId: 'tech-1' },
    ]);
    expect(results.map((r) => [r.status, r.problem?.code])).toEqual([[200, undefined], [409, 'DOUBLE_BOOKED'], [404, 'JOB_NOT_FOUND']]);
  });
});

describe('If-Match', () => {
  it('runs the command at the version the client saw, and refuses it (412, with the current version) once the job moved on', async () => {
    const job = await service.create(call(dispatcher), { title: 'A' });
    await service.execute(call(dispatcher, 1), job.id, 'AssignJob', { technicianId: 'tech-1' });
    const stale = await service.execute(call(dispatcher, 1), job.id, 'UnassignJob', {}).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleVersionError);
    expect(stale).toMatchObject({ expected: 1, actual: 2 });
    expect(toProblem(stale).problem.status).toBe(412);
  });
});

describe('what a technician sees', () => {
  it('their own jobs only: another technician’s job is not found, in get, history, commands and lists', async () => {
    const mine = await service.create(call(dispatcher), { title: 'Mine', requiredSkills: ['hvac'] });
    const theirs = await service.create(call(dispatcher), { title: 'Theirs' });
    await service.execute(call(dispatcher), mine.id, 'AssignJob', { technicianId: 'tech-1' });
    await service.execute(call(dispatcher), theirs.id, 'AssignJob', { technicianId: 'tech-2' });
    const me = technician('tech-1');

    expect((await service.get(me, mine.id)).title).toBe('Mine');
    for (const attempt of [service.get(me, theirs.id), service.history(me, theirs.id), service.execute(call(me), theirs.id, 'StartTravel', {})]) {
      expect(await refusal(attempt)).toMatchObject({ status: 404, code: 'JOB_NOT_FOUND' });
    }
    expect((await service.list(me, { technicianId: 'tech-2' })).items.map((j) => j.title)).toEqual(['Mine']);
    expect((await service.list(dispatcher, {})).items).toHaveLength(2);
  });
});

describe('list', () => {
  it('pages by keyset in the order asked, NULL windows last, and refuses a cursor it did not issue', async () => {
    const starts = ['2027-01-01T10:00:00.000Z', undefined, '2027-01-01T08:00:00.000Z', '2027-01-01T09:00:00.000Z'];
    for (const [i, start] of starts.entries()) {
      clock.set(`2026-12-31T23:0${i}:00.000Z`);
      await service.create(call(dispatcher), { title: `J${i}`, ...(start ? { window: window(start, '2027-01-02T00:00:00.000Z') } : {}) });
    }
    const titles: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.list(dispatcher, { sort: 'window_start', limit: 3, ...(cursor ? { cursor } : {}) });
      titles.push(...page.items.map((j) => j.title));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(titles).toEqual(['J2', 'J3', 'J0', 'J1']);
    expect((await service.list(dispatcher, { order: 'desc', limit: 2 })).items.map((j) => j.title)).toEqual(['J3', 'J2']);
    expect(await refusal(service.list(dispatcher, { cursor: 'not-ours' }))).toMatchObject({ status: 400, code: 'BAD_CURSOR' });
  });
});

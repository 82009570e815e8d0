import { fold, type JobCommand, jobDecider, isDomainError } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';
import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant, window } from '../../../test/support/api';

// Every job command route in every job state, over HTTP: the API must accept exactly what the domain
// accepts (200) and refuse the rest with the domain's code and status. The expectation is computed by
// the decider from the job's real history, so this checks the HTTP mapping, not a copied table.

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;

beforeAll(async () => {
  ({ app, http } = await startApi({ RATE_LIMIT_PER_MINUTE: '100000' }));
  acme = await newTenant(http);
  await must(acme.admin.post('/technicians', { technicianId: `${acme.technicianId}_b`, name: 'B', skills: ['hvac'] }));
});
afterAll(async () => {
  await app?.stop();
});

const routes: { route: string; body?: object; command: (tech: string) => Pick<JobCommand, 'type' | 'data'> }[] = [
  { route: 'assign', body: { technicianId: 'A' }, command: (t) => ({ type: 'AssignJob', data: { technicianId: t } }) },
  { route: 'reassign', body: { technicianId: 'B' }, command: (t) => ({ type: 'ReassignJob', data: { technicianId: `${t}_b` } }) },
  { route: 'unassign', body: {}, command: () => ({ type: 'UnassignJob', data: {} }) },
  { route: 'travel', command: () => ({ type: 'StartTravel', data: {} }) },
  { route: 'arrive', command: () => ({ type: 'ArriveOnSite', data: {} }) },
  { route: 'complete', body: {}, command: () => ({ type: 'CompleteJob', data: {} }) },
  { route: 'hold', body: { reason: 'r' }, command: () => ({ type: 'PutJobOnHold', data: { reason: 'r' } }) },
  { route: 'resume', command: () => ({ type: 'ResumeJob', data: {} }) },
  { route: 'cancel', body: { reason: 'r' }, command: () => ({ type: 'CancelJob', data: { reason: 'r' } }) },
  { route: 'reschedule', body: { window: window(200) }, command: () => ({ type: 'RescheduleJob', data: { window: window(200) } }) },
  { route: 'priority', body: { priority: 'urgent' }, command: () => ({ type: 'ChangeJobPriority', data: { priority: 'urgent' } }) },
  { route: 'notes', body: { text: 'n' }, command: () => ({ type: 'AddJobNote', data: { noteId: 'n', text: 'n' } }) },
];

/** The steps (routes) that bring a new job into each state. */
const states: Record<string, string[]> = {
  unassigned: [],
  assigned: ['assign'],
  en_route: ['assign', 'travel'],
  on_site: ['assign', 'travel', 'arrive'],
  completed: ['assign', 'travel', 'arrive', 'complete'],
  cancelled: ['cancel'],
  'on_hold(unassigned)': ['hold'],
  'on_hold(assigned)': ['assign', 'hold'],
  'on_hold(en_route)': ['assign', 'travel', 'hold'],
  'on_hold(on_site)': ['assign', 'travel', 'arrive', 'hold'],
};

const bodyOf = (route: string, tech: string) => {
  const r = routes.find((x) => x.route === route)!;
  if (route === 'assign') return { technicianId: tech };
  if (route === 'reassign') return { technicianId: `${tech}_b` };
  return r.body;
};

/** What the domain says of `command` after `history`: accepted, or the refusal's code. */
function domainVerdict(history: FieldlineEvent[], command: Pick<JobCommand, 'type' | 'data'>): string {
  const state = fold(jobDecider, history as never[]);
  try {
    jobDecider.decide({ ...command, context: { now: new Date(), actor: { kind: 'user', id: 'd', role: 'dispatcher' }, tenantId: 't' } } as JobCommand, state);
    return 'accepted';
  } catch (error) {
    if (isDomainError(error)) return error.code;
    throw error;
  }
}

it.each(Object.keys(states))('in state %s, every command route agrees with the domain', async (state) => {
  const tech = acme.technicianId;
  const verdicts: Record<string, { http: number; code?: string; domain: string }> = {};
  await Promise.all(
    routes.map(async ({ route, command }, i) => {
      // A window per job and day offset, so assignments never double-book each other.
      const job = await must(acme.dispatcher.post('/jobs', { title: `${state} ${route}`, requiredSkills: ['hvac'], window: window(40 + Object.keys(states).indexOf(state) * 12 + i) }));
      for (const step of states[state]!) await must(acme.dispatcher.post(`/jobs/${job.id}/${step}`, bodyOf(step, tech)));
      const history = (await must(acme.dispatcher.get(`/jobs/${job.id}/events`))).events;
      const reply = await acme.dispatcher.post(`/jobs/${job.id}/${route}`, bodyOf(route, tech));
      verdicts[route] = { http: reply.status, code: reply.body.code, domain: domainVerdict(history, command(tech)) };
    }),
  );
  for (const [route, v] of Object.entries(verdicts)) {
    const expected = v.domain === 'accepted' ? { http: 200, code: undefined } : { http: 409, code: v.domain };
    expect({ route, http: v.http, code: v.code }).toEqual({ route, ...expected });
  }
});

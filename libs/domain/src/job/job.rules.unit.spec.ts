import { fold } from '../shared/decider';
import type { CommandActor } from '../shared/decider';
import { deciderSpec } from '../testing/decider-spec';
import { dispatcher, ev, jobCommand, jobHistories, LATER_WINDOW, NOW, tech1, WINDOW } from '../testing/job.fixtures';
import { jobDecider } from './job.decider';
import { JobError } from './job.errors';
import type { Job, JobDomainEvent, JobTerms } from './job.state';

const spec = deciderSpec(jobDecider);
const terms: JobTerms = { priority: 'normal', requiredSkills: ['hvac'], window: WINDOW };

describe('CreateJob', () => {
  const create = (data: Partial<Parameters<typeof jobCommand<'CreateJob'>>[1]>) =>
    jobCommand('CreateJob', { title: 'Fix boiler', ...data });

  it('normalises skills, defaults the priority, keeps every optional field it is given', () => {
    const full = {
      title: '  Fix boiler ',
      description: 'basement',
      customerId: 'cust-1',
      siteId: 'site-1',
      location: { lat: 52.5, lon: 13.4 },
      requiredSkills: ['Gas', ' gas', 'HVAC'],
      priority: 'high' as const,
      window: WINDOW,
    };
    spec.given([]).when(create(full)).then([
      { type: 'job.created', data: { ...full, title: 'Fix boiler', requiredSkills: ['gas', 'hvac'] } },
    ]);
    spec.given([]).when(create({})).then([{ type: 'job.created', data: { title: 'Fix boiler', requiredSkills: [], priority: 'normal' } }]);
  });

  it.each([
    ['start equals end', { start: WINDOW.start, end: WINDOW.start }],
    ['start after end', { start: WINDOW.end, end: WINDOW.start }],
    ['not a time', { start: 'tomorrow', end: WINDOW.end }],
  ])('refuses a window whose %s (INVALID_WINDOW)', (_name, window) => {
    spec.given([]).when(create({ window })).thenThrows({ code: 'INVALID_WINDOW', kind: 'validation' });
  });

  it('refuses a window that already ended at the command time (WINDOW_IN_PAST)', () => {
    const window = { start: '2031-05-04T05:00:00.000Z', end: NOW.toISOString() };
    spec.given([]).when(create({ window })).thenThrows({ code: 'WINDOW_IN_PAST', kind: 'validation' });
  });

  it('accepts a window that has started but not ended', () => {
    const window = { start: '2031-05-04T06:00:00.000Z', end: '2031-05-04T07:00:00.001Z' };
    spec.given([]).when(create({ window })).then([{ type: 'job.created', data: { title: 'Fix boiler', requiredSkills: [], priority: 'normal', window } }]);
  });

  it.each([
    ['an empty title', { title: '  ' }, 'data.title'],
    ['latitude 91', { location: { lat: 91, lon: 0 } }, 'data.location.lat'],
    ['a blank skill', { requiredSkills: ['hvac', ' '] }, 'data.requiredSkills.1'],
  ])('refuses %s (INVALID_INPUT naming the path)', (_name, data, path) => {
    spec.given([]).when(create(data)).thenThrows({ code: 'INVALID_INPUT', kind: 'validation', message: path });
  });
});

describe('assignment', () => {
  it.each(['assigned', 'en_route'] as const)('reassigning to the same technician from %s is SAME_TECHNICIAN', (state) => {
    spec.given(jobHistories[state]).when(jobCommand('ReassignJob', { technicianId: 'tech-1' })).thenThrows({ code: 'SAME_TECHNICIAN', kind: 'validation' });
  });

  it('reassigning while en route puts the job back to assigned (the new technician has not left yet)', () => {
    spec.given(jobHistories.en_route).when(jobCommand('ReassignJob', { technicianId: 'tech-2' })).thenState({ status: 'assigned', terms, technicianId: 'tech-2' });
  });

  it('unassigning while en route puts the job back to unassigned', () => {
    spec.given(jobHistories.en_route).when(jobCommand('UnassignJob', {})).thenState({ status: 'unassigned', terms });
  });

  it('refuses an empty technician id (INVALID_INPUT)', () => {
    spec.given(jobHistories.unassigned).when(jobCommand('AssignJob', { technicianId: '' })).thenThrows({ code: 'INVALID_INPUT' });
  });
});

describe('technician status commands: who may report', () => {
  const cases = [
    ['StartTravel', 'assigned', {}],
    ['ArriveOnSite', 'en_route', {}],
    ['CompleteJob', 'on_site', {}],
  ] as const;
  const allowed: [string, CommandActor][] = [
    ['the assigned technician', tech1],
    ['their device', { kind: 'device', id: 'dev-1', technicianId: 'tech-1' }],
    ['a dispatcher', dispatcher],
    ['an admin', { kind: 'user', id: 'admin-1', role: 'admin' }],
    ['the system', { kind: 'system', id: 'geofence' }],
    ['an integrator', { kind: 'integrator', id: 'erp' }],
  ];
  const refused: [string, CommandActor][] = [
    ['another technician', { kind: 'user', id: 'user-tech-2', role: 'technician', technicianId: 'tech-2' }],
    ['a user acting as nobody', { kind: 'user', id: 'user-9' }],
    ['a device linked to nobody', { kind: 'device', id: 'dev-9' }],
    ['another technician\'s device', { kind: 'device', id: 'dev-2', technicianId: 'tech-2' }],
    ['a user whose id merely equals the technician id', { kind: 'user', id: 'tech-1' }],
  ];

  describe.each(cases)('%s', (type, state, data) => {
    it.each(allowed)('is accepted from %s', (_who, actor) => {
      const events = jobDecider.decide(jobCommand(type, data, actor), fold(jobDecider, jobHistories[state]));
      expect(events).toHaveLength(1);
      expect(events[0].data).toMatchObject({ technicianId: 'tech-1' });
    });
    it.each(refused)('is refused from %s (NOT_ASSIGNED_TECHNICIAN)', (_who, actor) => {
      spec.given(jobHistories[state]).when(jobCommand(type, data, actor)).thenThrows({ code: 'NOT_ASSIGNED_TECHNICIAN', kind: 'forbidden' });
    });
  });

  it('checks the state before the actor: a stranger on a completed job gets INVALID_TRANSITION', () => {
    spec.given(jobHistories.completed).when(jobCommand('CompleteJob', {}, { kind: 'user', id: 'x' })).thenThrows({ code: 'INVALID_TRANSITION' });
  });
});

describe('hold and resume', () => {
  it.each(['unassigned', 'assigned', 'en_route', 'on_site'] as const)('resuming returns to exactly the held %s state', (state) => {
    const before = fold(jobDecider, jobHistories[state]);
    spec.given([...jobHistories[state], ev.onHold]).when(jobCommand('ResumeJob', {})).thenState(before);
  });

  it('after resuming, the flow carries on with the same technician', () => {
    spec.given([...jobHistories['on_hold(en_route)'], { type: 'job.resumed', data: { status: 'en_route' } }])
      .when(jobCommand('ArriveOnSite', {}, tech1))
      .then([{ type: 'job.arrived', data: { technicianId: 'tech-1' } }]);
  });

  it('rescheduling while on hold changes the held terms and stays on hold', () => {
    spec.given(jobHistories['on_hold(assigned)']).when(jobCommand('RescheduleJob', { window: LATER_WINDOW })).thenState({
      status: 'on_hold',
      reason: 'waiting for parts',
      held: { status: 'assigned', technicianId: 'tech-1', terms: { ...terms, window: LATER_WINDOW } },
    });
  });

  it('cancelling while on hold cancels', () => {
    spec.given(jobHistories['on_hold(on_site)']).when(jobCommand('CancelJob', { reason: 'x' })).thenState({ status: 'cancelled', terms });
  });

  it.each([
    ['PutJobOnHold', jobCommand('PutJobOnHold', { reason: ' ' })],
    ['CancelJob', jobCommand('CancelJob', { reason: '' })],
  ])('%s needs a reason (INVALID_INPUT)', (_name, command) => {
    spec.given(jobHistories.assigned).when(command).thenThrows({ code: 'INVALID_INPUT', message: 'data.reason' });
  });
});

describe('reschedule, priority, notes', () => {
  it('rescheduling to the same instants decides nothing, however they are written', () => {
    const same = { start: '2031-05-04T08:00:00Z', end: '2031-05-04T10:00:00.000Z' };
    spec.given(jobHistories.assigned).when(jobCommand('RescheduleJob', { window: same })).thenNothing();
  });

  it.each([
    ['INVALID_WINDOW', { start: LATER_WINDOW.end, end: LATER_WINDOW.start }],
    ['WINDOW_IN_PAST', { start: '2031-05-03T08:00:00.000Z', end: '2031-05-03T10:00:00.000Z' }],
  ] as const)('rescheduling checks the window (%s)', (code, window) => {
    spec.given(jobHistories.on_site).when(jobCommand('RescheduleJob', { window })).thenThrows({ code });
  });

  it('the same priority decides nothing; a new one records the previous', () => {
    spec.given(jobHistories.unassigned).when(jobCommand('ChangeJobPriority', { priority: 'normal' })).thenNothing();
    spec.given([...jobHistories.unassigned, { type: 'job.priority_changed', data: { priority: 'high', previousPriority: 'normal' } }])
      .when(jobCommand('ChangeJobPriority', { priority: 'low' }))
      .then([{ type: 'job.priority_changed', data: { priority: 'low', previousPriority: 'high' } }]);
  });

  it('a note is written by the acting user', () => {
    spec.given(jobHistories.completed).when(jobCommand('AddJobNote', { noteId: 'n-2', text: 'invoice sent' }, tech1)).then([
      { type: 'job.note_added', data: { noteId: 'n-2', text: 'invoice sent', authorId: 'user-tech-1' } },
    ]);
  });

  it('proof of service is the assigned technician’s own: not another technician’s, not a dispatcher’s for them', () => {
    const data = { proofId: 'prf-9', kind: 'signature', contentType: 'image/png', sizeBytes: 900, sha256: 'c'.repeat(64), width: 600, height: 200, signedBy: 'Ada' } as const;
    spec.given(jobHistories.on_site).when(jobCommand('AddProof', data, tech1)).then([{ type: 'job.proof_added', data: { ...data, technicianId: 'tech-1' } }]);
    const otherTech = { kind: 'user', id: 'user-tech-2', role: 'technician', technicianId: 'tech-2' } as const;
    spec.given(jobHistories.on_site).when(jobCommand('AddProof', data, otherTech)).thenThrows({ code: 'NOT_ASSIGNED_TECHNICIAN' });
    spec.given(jobHistories.on_site).when(jobCommand('AddProof', data)).thenThrows({ code: 'NOT_ASSIGNED_TECHNICIAN' });
    spec.given(jobHistories.en_route).when(jobCommand('AddProof', data, tech1)).thenThrows({ code: 'INVALID_TRANSITION' });
  });

  it('a proof the catalogue refuses (not a SHA-256) is INVALID_INPUT', () => {
    const data = { proofId: 'prf-9', kind: 'photo', contentType: 'image/png', sizeBytes: 900, sha256: 'xyz', width: 6, height: 2 } as const;
    spec.given(jobHistories.on_site).when(jobCommand('AddProof', data, tech1)).thenThrows({ code: 'INVALID_INPUT', message: 'data.sha256' });
  });

  it('an empty note is INVALID_INPUT', () => {
    spec.given(jobHistories.unassigned).when(jobCommand('AddJobNote', { noteId: 'n-3', text: '' })).thenThrows({ code: 'INVALID_INPUT', message: 'data.text' });
  });
});

describe('evolve and fold', () => {
  it('the whole happy path ends completed by the technician who did the work', () => {
    const state: Job = fold(jobDecider, jobHistories.completed);
    expect(state).toEqual({ status: 'completed', terms: { ...terms, window: WINDOW }, technicianId: 'tech-1' });
  });

  it('ignores events that cannot apply (a corrupt stream does not crash a read)', () => {
    const stray: JobDomainEvent[] = [ev.assigned(), ev.onHold, { type: 'job.resumed', data: { status: 'assigned' } }];
    expect(fold(jobDecider, stray)).toEqual({ status: 'initial' });
    expect(fold(jobDecider, [...jobHistories.completed, ev.onHold, ev.created])).toEqual(fold(jobDecider, jobHistories.completed));
  });

  it('folds on from a given state', () => {
    const assigned = fold(jobDecider, jobHistories.assigned);
    expect(fold(jobDecider, [ev.travelStarted()], assigned)).toEqual(fold(jobDecider, jobHistories.en_route));
  });

  it('errors are JobErrors with a code and kind', () => {
    let error: unknown;
    try {
      jobDecider.decide(jobCommand('AssignJob', { technicianId: 't' }), jobDecider.initialState());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JobError);
    expect(error).toMatchObject({ name: 'JobError', code: 'JOB_NOT_FOUND', kind: 'not_found' });
  });
});

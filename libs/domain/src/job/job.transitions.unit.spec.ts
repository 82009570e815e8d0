import { deciderSpec } from '../testing/decider-spec';
import { type JobHistory, jobCommand, jobHistories, LATER_WINDOW, tech1 } from '../testing/job.fixtures';
import type { JobCommand, JobCommandType } from './job.commands';
import { jobDecider } from './job.decider';
import type { JobErrorCode } from './job.errors';
import type { JobDomainEvent } from './job.state';

// Every command against every job state: the valid cells list their events, every other cell must be
// refused with the code the rule below names. 14 commands × 11 states, each its own test.

const spec = deciderSpec(jobDecider);

/** One representative command per type; the Record type fails to compile if a command is missing. */
const commands: Record<JobCommandType, JobCommand> = {
  CreateJob: jobCommand('CreateJob', { title: 'Fix boiler', requiredSkills: ['HVAC '], window: LATER_WINDOW }),
  AssignJob: jobCommand('AssignJob', { technicianId: 'tech-2' }),
  ReassignJob: jobCommand('ReassignJob', { technicianId: 'tech-2', reason: 'closer to site' }),
  UnassignJob: jobCommand('UnassignJob', { reason: 'called in sick' }),
  StartTravel: jobCommand('StartTravel', {}),
  ArriveOnSite: jobCommand('ArriveOnSite', {}),
  CompleteJob: jobCommand('CompleteJob', { summary: 'replaced valve' }),
  PutJobOnHold: jobCommand('PutJobOnHold', { reason: 'no access' }),
  ResumeJob: jobCommand('ResumeJob', {}),
  CancelJob: jobCommand('CancelJob', { reason: 'duplicate' }),
  RescheduleJob: jobCommand('RescheduleJob', { window: LATER_WINDOW }),
  ChangeJobPriority: jobCommand('ChangeJobPriority', { priority: 'urgent' }),
  AddJobNote: jobCommand('AddJobNote', { noteId: 'note-1', text: 'gate code 1234' }),
  AddProof: jobCommand('AddProof', { proofId: 'prf-1', kind: 'photo', contentType: 'image/jpeg', sizeBytes: 1000, sha256: 'b'.repeat(64), width: 40, height: 30 }, tech1),
};
const proof: JobDomainEvent = { type: 'job.proof_added', data: { proofId: 'prf-1', kind: 'photo', contentType: 'image/jpeg', sizeBytes: 1000, sha256: 'b'.repeat(64), width: 40, height: 30, technicianId: 'tech-1' } };

const hold: JobDomainEvent = { type: 'job.put_on_hold', data: { reason: 'no access' } };
const cancel: JobDomainEvent = { type: 'job.cancelled', data: { reason: 'duplicate' } };
const reschedule: JobDomainEvent = { type: 'job.rescheduled', data: { window: LATER_WINDOW } };
const priority: JobDomainEvent = { type: 'job.priority_changed', data: { priority: 'urgent', previousPriority: 'normal' } };
const note: JobDomainEvent = { type: 'job.note_added', data: { noteId: 'note-1', text: 'gate code 1234', authorId: 'disp-1' } };
const common = { CancelJob: [cancel], RescheduleJob: [reschedule], ChangeJobPriority: [priority], AddJobNote: [note] };
const onHoldCommon = (status: 'unassigned' | 'assigned' | 'en_route' | 'on_site') => ({
  ResumeJob: [{ type: 'job.resumed', data: { status } }] as JobDomainEvent[],
  ...common,
});

const valid: Record<JobHistory, Partial<Record<JobCommandType, JobDomainEvent[]>>> = {
  initial: {
    CreateJob: [
      { type: 'job.created', data: { title: 'Fix boiler', requiredSkills: ['hvac'], priority: 'normal', window: LATER_WINDOW } },
    ],
  },
  unassigned: {
    AssignJob: [{ type: 'job.assigned', data: { technicianId: 'tech-2' } }],
    PutJobOnHold: [hold],
    ...common,
  },
  assigned: {
    ReassignJob: [{ type: 'job.reassigned', data: { fromTechnicianId: 'tech-1', technicianId: 'tech-2', reason: 'closer to site' } }],
    UnassignJob: [{ type: 'job.unassigned', data: { technicianId: 'tech-1', reason: 'called in sick' } }],
    StartTravel: [{ type: 'job.travel_started', data: { technicianId: 'tech-1' } }],
    PutJobOnHold: [hold],
    ...common,
  },
  en_route: {
    ReassignJob: [{ type: 'job.reassigned', data: { fromTechnicianId: 'tech-1', technicianId: 'tech-2', reason: 'closer to site' } }],
    UnassignJob: [{ type: 'job.unassigned', data: { technicianId: 'tech-1', reason: 'called in sick' } }],
    ArriveOnSite: [{ type: 'job.arrived', data: { technicianId: 'tech-1' } }],
    PutJobOnHold: [hold],
    ...common,
  },
  on_site: {
    CompleteJob: [{ type: 'job.completed', data: { technicianId: 'tech-1', summary: 'replaced valve' } }],
    PutJobOnHold: [hold],
    AddProof: [proof],
    ...common,
  },
  completed: { AddJobNote: [note], AddProof: [proof] },
  cancelled: {},
  'on_hold(unassigned)': onHoldCommon('unassigned'),
  'on_hold(assigned)': onHoldCommon('assigned'),
  'on_hold(en_route)': onHoldCommon('en_route'),
  'on_hold(on_site)': onHoldCommon('on_site'),
};

/** Why a cell that is not valid is refused. */
const refusal = (state: JobHistory, command: JobCommandType): JobErrorCode => {
  if (state === 'initial') return 'JOB_NOT_FOUND';
  if (command === 'CreateJob') return 'JOB_ALREADY_EXISTS';
  return 'INVALID_TRANSITION';
};

const cells = (Object.keys(jobHistories) as JobHistory[]).flatMap((state) =>
  (Object.keys(commands) as JobCommandType[]).map((command) => ({ state, command, events: valid[state][command] })),
);

describe('job: every command in every state', () => {
  const allowed = cells.filter((c) => c.events !== undefined);
  const refused = cells.filter((c) => c.events === undefined);

  it('covers 154 cells', () => {
    expect(cells).toHaveLength(14 * 11);
    expect(allowed).toHaveLength(1 + 6 + 8 + 8 + 7 + 2 + 0 + 4 * 5);
  });

  it.each(allowed)('$state: $command is accepted', ({ state, command, events }) => {
    spec.given(jobHistories[state]).when(commands[command]).then(events!);
  });

  it.each(refused.map((c) => ({ ...c, code: refusal(c.state, c.command) })))(
    '$state: $command is refused with $code',
    ({ state, command, code }) => {
      spec.given(jobHistories[state]).when(commands[command]).thenThrows({ code, message: /./ });
    },
  );
});

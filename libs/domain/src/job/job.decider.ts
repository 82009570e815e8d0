import type { EventData, JobEventType } from '#libs/events';
import type { CommandActor, Decider, DomainEvent } from '../shared/decider';
import { checkWindow, emit } from '../shared/emit';
import { normalizeSkills, sameWindow } from '../shared/scheduling';
import type {
  AddJobNote,
  AddProof,
  ArriveOnSite,
  AssignJob,
  CancelJob,
  ChangeJobPriority,
  CompleteJob,
  CreateJob,
  JobCommand,
  PutJobOnHold,
  ReassignJob,
  RescheduleJob,
  ResumeJob,
  StartTravel,
  UnassignJob,
} from './job.commands';
import { JobError } from './job.errors';
import { evolveJob, initialJobState, isFinal, type Job, type JobDomainEvent, type JobStatus, termsOf } from './job.state';

const event = <T extends JobEventType>(type: T, data: EventData<T>): DomainEvent<T> =>
  emit(type, data, (reason) => new JobError('INVALID_INPUT', reason));

type Existing = Exclude<Job, { status: 'initial' }>;

function existing(job: Job): Existing {
  if (job.status === 'initial') throw new JobError('JOB_NOT_FOUND', 'job does not exist');
  return job;
}

/** Narrows to the listed statuses or refuses the command as an illegal transition. */
function inStatus<S extends JobStatus>(job: Job, command: JobCommand, ...allowed: S[]): Extract<Job, { status: S }> {
  const current = existing(job);
  if (!(allowed as JobStatus[]).includes(current.status)) {
    throw new JobError('INVALID_TRANSITION', `cannot ${command.type} when the job is ${current.status}`);
  }
  return current as Extract<Job, { status: S }>;
}

function notFinal(job: Job, command: JobCommand): Exclude<Existing, { status: 'completed' | 'cancelled' }> {
  const current = existing(job);
  if (isFinal(current)) throw new JobError('INVALID_TRANSITION', `cannot ${command.type} when the job is ${current.status}`);
  return current;
}

/**
 * Who may report travel, arrival and completion for a technician: the technician (a user or device
 * acting as them, `actor.technicianId`), a dispatcher or admin acting for them (a phone call from the
 * van), and trusted back-office actors (system automation, tenant-scoped integrators). Everything else
 * about permissions is the API's job.
 */
export function mayActForTechnician(actor: CommandActor, technicianId: string): boolean {
  if (actor.kind === 'system' || actor.kind === 'integrator') return true;
  if (actor.kind === 'user' && (actor.role === 'dispatcher' || actor.role === 'admin')) return true;
  return actor.technicianId === technicianId;
}

function assertActsFor(command: JobCommand, technicianId: string): void {
  if (!mayActForTechnician(command.context.actor, technicianId)) {
    throw new JobError('NOT_ASSIGNED_TECHNICIAN', `${command.type}: the job is assigned to another technician`);
  }
}

const windowError = (code: 'INVALID_WINDOW' | 'WINDOW_IN_PAST', message: string) => new JobError(code, message);

export function createJob(command: CreateJob, job: Job): JobDomainEvent[] {
  if (job.status !== 'initial') throw new JobError('JOB_ALREADY_EXISTS', 'job already exists');
  const { requiredSkills = [], priority = 'normal', ...rest } = command.data;
  checkWindow(rest.window, command.context.now, windowError);
  return [event('job.created', { ...rest, requiredSkills: normalizeSkills(requiredSkills), priority })];
}

export function assignJob(command: AssignJob, job: Job): JobDomainEvent[] {
  inStatus(job, command, 'unassigned');
  return [event('job.assigned', { technicianId: command.data.technicianId })];
}

export function reassignJob(command: ReassignJob, job: Job): JobDomainEvent[] {
  const current = inStatus(job, command, 'assigned', 'en_route');
  if (command.data.technicianId === current.technicianId) {
    throw new JobError('SAME_TECHNICIAN', `job is already assigned to ${current.technicianId}`);
  }
  return [event('job.reassigned', { fromTechnicianId: current.technicianId, ...command.data })];
}

export function unassignJob(command: UnassignJob, job: Job): JobDomainEvent[] {
  const current = inStatus(job, command, 'assigned', 'en_route');
  return [event('job.unassigned', { technicianId: current.technicianId, reason: command.data.reason })];
}

export function startTravel(command: StartTravel, job: Job): JobDomainEvent[] {
  const { technicianId } = inStatus(job, command, 'assigned');
  assertActsFor(command, technicianId);
  return [event('job.travel_started', { technicianId })];
}

export function arriveOnSite(command: ArriveOnSite, job: Job): JobDomainEvent[] {
  const { technicianId } = inStatus(job, command, 'en_route');
  assertActsFor(command, technicianId);
  return [event('job.arrived', { technicianId })];
}

export function completeJob(command: CompleteJob, job: Job): JobDomainEvent[] {
  const { technicianId } = inStatus(job, command, 'on_site');
  assertActsFor(command, technicianId);
  return [event('job.completed', { technicianId, summary: command.data.summary })];
}

export function putJobOnHold(command: PutJobOnHold, job: Job): JobDomainEvent[] {
  inStatus(job, command, 'unassigned', 'assigned', 'en_route', 'on_site');
  return [event('job.put_on_hold', { reason: command.data.reason })];
}

export function resumeJob(command: ResumeJob, job: Job): JobDomainEvent[] {
  const { held } = inStatus(job, command, 'on_hold');
  return [event('job.resumed', { status: held.status })];
}

export function cancelJob(command: CancelJob, job: Job): JobDomainEvent[] {
  notFinal(job, command);
  return [event('job.cancelled', { reason: command.data.reason })];
}

/** Rescheduling to the window it already has decides nothing, so retries are harmless. */
export function rescheduleJob(command: RescheduleJob, job: Job): JobDomainEvent[] {
  const current = notFinal(job, command);
  checkWindow(command.data.window, command.context.now, windowError);
  if (sameWindow(termsOf(current).window, command.data.window)) return [];
  return [event('job.rescheduled', { window: command.data.window })];
}

/** Setting the priority it already has decides nothing. */
export function changeJobPriority(command: ChangeJobPriority, job: Job): JobDomainEvent[] {
  const previousPriority = termsOf(notFinal(job, command)).priority;
  if (previousPriority === command.data.priority) return [];
  return [event('job.priority_changed', { priority: command.data.priority, previousPriority })];
}

/**
 * Notes are allowed on completed jobs (follow-ups, billing remarks come after the visit) but not on
 * cancelled ones: a cancelled job is void, and remarks belong on whatever replaces it.
 */
export function addJobNote(command: AddJobNote, job: Job): JobDomainEvent[] {
  const current = existing(job);
  if (current.status === 'cancelled') throw new JobError('INVALID_TRANSITION', 'cannot AddJobNote when the job is cancelled');
  return [event('job.note_added', { ...command.data, authorId: command.context.actor.id })];
}

/**
 * Proof of service is the assigned technician's own (not a dispatcher's on their behalf: the photo and
 * signature are evidence of who was there), taken on site or after completion (the last photos and the
 * signature often come right after "completed", and a phone offline sends them later).
 */
export function addProof(command: AddProof, job: Job): JobDomainEvent[] {
  const { technicianId } = inStatus(job, command, 'on_site', 'completed');
  if (command.context.actor.technicianId !== technicianId) {
    throw new JobError('NOT_ASSIGNED_TECHNICIAN', 'AddProof: only the technician assigned to the job adds proof of service');
  }
  return [event('job.proof_added', { ...command.data, technicianId })];
}

export function decideJob(command: JobCommand, job: Job): JobDomainEvent[] {
  switch (command.type) {
    case 'CreateJob':
      return createJob(command, job);
    case 'AssignJob':
      return assignJob(command, job);
    case 'ReassignJob':
      return reassignJob(command, job);
    case 'UnassignJob':
      return unassignJob(command, job);
    case 'StartTravel':
      return startTravel(command, job);
    case 'ArriveOnSite':
      return arriveOnSite(command, job);
    case 'CompleteJob':
      return completeJob(command, job);
    case 'PutJobOnHold':
      return putJobOnHold(command, job);
    case 'ResumeJob':
      return resumeJob(command, job);
    case 'CancelJob':
      return cancelJob(command, job);
    case 'RescheduleJob':
      return rescheduleJob(command, job);
    case 'ChangeJobPriority':
      return changeJobPriority(command, job);
    case 'AddJobNote':
      return addJobNote(command, job);
    case 'AddProof':
      return addProof(command, job);
    default: {
      const unknown: never = command;
      throw new Error(`unknown job command ${(unknown as { type: string }).type}`);
    }
  }
}

export const jobDecider: Decider<Job, JobCommand, JobDomainEvent> = {
  decide: decideJob,
  evolve: evolveJob,
  initialState: initialJobState,
};

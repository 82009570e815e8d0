import type { JobEventType, JobPriority, TimeWindow } from '#libs/events';
import type { DomainEvent } from '../shared/decider';

export type JobDomainEvent = DomainEvent<JobEventType>;

/**
 * Only what decisions need, plus what the API needs for cross-aggregate checks (skills, window).
 * Titles, notes and the like live in projections.
 */
export interface JobTerms {
  priority: JobPriority;
  requiredSkills: string[];
  window?: TimeWindow;
}

export interface JobInitial {
  status: 'initial';
}
export interface Unassigned {
  status: 'unassigned';
  terms: JobTerms;
}
export interface Assigned {
  status: 'assigned';
  terms: JobTerms;
  technicianId: string;
}
export interface EnRoute {
  status: 'en_route';
  terms: JobTerms;
  technicianId: string;
}
export interface OnSite {
  status: 'on_site';
  terms: JobTerms;
  technicianId: string;
}
export interface Completed {
  status: 'completed';
  terms: JobTerms;
  technicianId: string;
}
export interface Cancelled {
  status: 'cancelled';
  terms: JobTerms;
}
/** Holds the exact state it resumes to, so nothing about the assignment is lost while on hold. */
export interface OnHold {
  status: 'on_hold';
  held: Holdable;
  reason: string;
}

export type Holdable = Unassigned | Assigned | EnRoute | OnSite;
export type Job = JobInitial | Holdable | Completed | Cancelled | OnHold;
export type JobStatus = Job['status'];

export const initialJobState = (): Job => ({ status: 'initial' });

export const isFinal = (job: Job): job is Completed | Cancelled => job.status === 'completed' || job.status === 'cancelled';

/** The terms of an existing job, looking through a hold. */
export function termsOf(job: Exclude<Job, JobInitial>): JobTerms {
  return job.status === 'on_hold' ? job.held.terms : job.terms;
}

/** The assigned technician, looking through a hold; undefined when unassigned, cancelled or not created. */
export function technicianOf(job: Job): string | undefined {
  const active = job.status === 'on_hold' ? job.held : job;
  return 'technicianId' in active ? active.technicianId : undefined;
}

function withTerms(job: Job, change: (terms: JobTerms) => JobTerms): Job {
  if (job.status === 'initial') return job;
  if (job.status === 'on_hold') return { ...job, held: { ...job.held, terms: change(job.held.terms) } };
  return { ...job, terms: change(job.terms) };
}

/**
 * Events are facts: evolve never refuses one. An event that cannot apply to the state (only possible
 * with a corrupt stream) leaves the state as it is.
 */
export function evolveJob(job: Job, event: JobDomainEvent): Job {
  if (job.status === 'initial') {
    if (event.type !== 'job.created') return job;
    const { priority, requiredSkills, window } = event.data;
    return { status: 'unassigned', terms: { priority, requiredSkills, ...(window ? { window } : {}) } };
  }
  switch (event.type) {
    case 'job.created':
      return job;
    case 'job.rescheduled':
      return withTerms(job, (terms) => ({ ...terms, window: event.data.window }));
    case 'job.priority_changed':
      return withTerms(job, (terms) => ({ ...terms, priority: event.data.priority }));
    case 'job.assigned':
    case 'job.reassigned':
      return { status: 'assigned', terms: termsOf(job), technicianId: event.data.technicianId };
    case 'job.unassigned':
      return { status: 'unassigned', terms: termsOf(job) };
    case 'job.travel_started':
      return { status: 'en_route', terms: termsOf(job), technicianId: event.data.technicianId };
    case 'job.arrived':
      return { status: 'on_site', terms: termsOf(job), technicianId: event.data.technicianId };
    case 'job.completed':
      return { status: 'completed', terms: termsOf(job), technicianId: event.data.technicianId };
    case 'job.put_on_hold':
      return job.status === 'on_hold' || isFinal(job) ? job : { status: 'on_hold', held: job, reason: event.data.reason };
    case 'job.resumed':
      return job.status === 'on_hold' ? job.held : job;
    case 'job.cancelled':
      return { status: 'cancelled', terms: termsOf(job) };
    case 'job.note_added':
    case 'job.proof_added':
      return job;
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}

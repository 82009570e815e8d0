import {
  evolveJob,
  evolveTechnician,
  initialJobState,
  initialTechnicianState,
  isAvailable,
  type Job,
  type JobDomainEvent,
  type Technician,
  type TechnicianDomainEvent,
  technicianOf,
  termsOf,
} from '#libs/domain';
import type { EventOf, JobEventType, TechnicianEventType } from '#libs/events';
import type { BoardJob, BoardTechnician } from '#libs/realtime-client';

/** A job on the live board: what screens get of it (the wire shape) plus the domain state it is folded from (never sent). */
export interface JobBoardEntry extends BoardJob {
  state: Job;
}

/** A technician on the live board: the wire shape plus the domain state. */
export interface TechnicianBoardEntry extends BoardTechnician {
  state: Technician;
}

type JobEvent = EventOf<JobEventType>;
type TechnicianEvent = EventOf<TechnicianEventType>;

/** Folds one job event onto its board entry; an event the entry already has (by stream position) is not applied. */
export function evolveJobEntry(entry: JobBoardEntry | undefined, event: JobEvent): JobBoardEntry | undefined {
  const version = event.streamPosition ?? 0;
  if (entry && version <= entry.version) return undefined;
  const state = evolveJob(entry?.state ?? initialJobState(), event as JobDomainEvent);
  if (state.status === 'initial') return undefined;
  const created = event.type === 'job.created' ? event.data : undefined;
  const terms = termsOf(state);
  const technicianId = technicianOf(state);
  const described: Pick<JobBoardEntry, 'siteId' | 'customerId' | 'location'> | undefined = created ?? entry;
  return {
    jobId: event.streamId,
    version,
    status: state.status,
    ...(state.status === 'on_hold' ? { onHoldFrom: state.held.status } : {}),
    title: created?.title ?? entry?.title ?? '',
    priority: terms.priority,
    requiredSkills: terms.requiredSkills,
    ...(terms.window ? { window: terms.window } : {}),
    ...(described?.siteId ? { siteId: described.siteId } : {}),
    ...(described?.customerId ? { customerId: described.customerId } : {}),
    ...(described?.location ? { location: described.location } : {}),
    ...(technicianId ? { technicianId } : {}),
    createdAt: entry?.createdAt ?? event.occurredAt,
    updatedAt: event.occurredAt,
    state,
  };
}

export function evolveTechnicianEntry(entry: TechnicianBoardEntry | undefined, event: TechnicianEvent): TechnicianBoardEntry | undefined {
  const version = event.streamPosition ?? 0;
  if (entry && version <= entry.version) return undefined;
  const state = evolveTechnician(entry?.state ?? initialTechnicianState(), event as TechnicianDomainEvent);
  if (state.status === 'initial') return undefined;
  return {
    technicianId: event.streamId,
    version,
    name: event.type === 'technician.registered' ? event.data.name : (entry?.name ?? ''),
    status: state.status,
    skills: 'skills' in state ? state.skills : [],
    available: isAvailable(state),
    updatedAt: event.occurredAt,
    state,
  };
}

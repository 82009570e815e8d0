import type { CommandActor, CommandContext } from '../shared/decider';
import type { JobCommand, JobCommandType } from '../job/job.commands';
import type { JobDomainEvent } from '../job/job.state';

/** The business time of every command in the job specs. */
export const NOW = new Date('2031-05-04T07:00:00.000Z');
export const WINDOW = { start: '2031-05-04T08:00:00.000Z', end: '2031-05-04T10:00:00.000Z' };
export const LATER_WINDOW = { start: '2031-05-05T08:00:00.000Z', end: '2031-05-05T10:00:00.000Z' };

export const dispatcher: CommandActor = { kind: 'user', id: 'disp-1', role: 'dispatcher' };
/** The technician the job is assigned to in the fixtures, signed in on their phone. */
export const tech1: CommandActor = { kind: 'user', id: 'user-tech-1', role: 'technician', technicianId: 'tech-1' };

export const context = (actor: CommandActor = dispatcher): CommandContext => ({ now: NOW, actor, tenantId: 'tenant-1' });

type DataOf<T extends JobCommandType> = Extract<JobCommand, { type: T }>['data'];

export function jobCommand<T extends JobCommandType>(type: T, data: DataOf<T>, actor: CommandActor = dispatcher) {
  return { type, data, context: context(actor) } as Extract<JobCommand, { type: T }>;
}

export const ev = {
  created: { type: 'job.created', data: { title: 'Fix boiler', requiredSkills: ['hvac'], priority: 'normal', window: WINDOW } },
  assigned: (technicianId = 'tech-1') => ({ type: 'job.assigned', data: { technicianId } }),
  travelStarted: (technicianId = 'tech-1') => ({ type: 'job.travel_started', data: { technicianId } }),
  arrived: (technicianId = 'tech-1') => ({ type: 'job.arrived', data: { technicianId } }),
  completed: (technicianId = 'tech-1') => ({ type: 'job.completed', data: { technicianId, summary: 'done' } }),
  onHold: { type: 'job.put_on_hold', data: { reason: 'waiting for parts' } },
  cancelled: { type: 'job.cancelled', data: { reason: 'customer cancelled' } },
} satisfies Record<string, JobDomainEvent | ((id?: string) => JobDomainEvent)>;

const assignedHistory: JobDomainEvent[] = [ev.created, ev.assigned()];
const enRouteHistory: JobDomainEvent[] = [...assignedHistory, ev.travelStarted()];
const onSiteHistory: JobDomainEvent[] = [...enRouteHistory, ev.arrived()];

/** One history per job state; the on-hold ones name the state they resume to. */
export const jobHistories = {
  initial: [],
  unassigned: [ev.created],
  assigned: assignedHistory,
  en_route: enRouteHistory,
  on_site: onSiteHistory,
  completed: [...onSiteHistory, ev.completed()],
  cancelled: [ev.created, ev.cancelled],
  'on_hold(unassigned)': [ev.created, ev.onHold],
  'on_hold(assigned)': [...assignedHistory, ev.onHold],
  'on_hold(en_route)': [...enRouteHistory, ev.onHold],
  'on_hold(on_site)': [...onSiteHistory, ev.onHold],
} satisfies Record<string, JobDomainEvent[]>;

export type JobHistory = keyof typeof jobHistories;

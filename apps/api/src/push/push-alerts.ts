import type { FieldlineEvent } from '#libs/events';

/** What a technician's browser can be told: about their own jobs and calls. */
export const TECHNICIAN_ALERTS = ['job.assigned', 'job.changed', 'call.incoming'] as const;
/** What a dispatcher (or admin) can choose to be told, about the whole tenant. */
export const DISPATCHER_ALERTS = ['job.completed', 'tracking.signal_lost', 'tracking.geofence_entered', 'tracking.geofence_exited', 'tracking.arrival_detected'] as const;
export const PUSH_ALERTS = [...TECHNICIAN_ALERTS, ...DISPATCHER_ALERTS] as const;
export type PushAlert = (typeof PUSH_ALERTS)[number];

/** The message the service worker shows (apps/web/public/sw.js): a tag per job or call, so an update replaces it. */
export interface PushMessage {
  alert: PushAlert;
  title: string;
  body: string;
  tag: string;
  /** The page to open on a click. */
  url: string;
  eventId: string;
  at: string;
}

/** Who gets it: one technician's browsers, or every dispatcher of the tenant who chose the alert. */
export type Audience = { technicianId: string } | { dispatchers: true };

export interface Notification {
  tenantId: string;
  audience: Audience;
  message: PushMessage;
  /** Seconds the push service keeps it for an offline browser; a ring is useless after the ring timeout. */
  ttlS: number;
  urgency: 'normal' | 'high';
  /** The user who caused it, never told about their own action. */
  actorId: string;
}

/** Names of what events refer to, read once per batch (jobs_view, technicians_view, places_view). */
export interface AlertNames {
  job(jobId: string): { title: string; technicianId: string | null } | undefined;
  technician(technicianId: string): string | undefined;
  geofence(geofenceId: string): string | undefined;
}

const JOB_TTL_S = 24 * 3600;
const TRACKING_TTL_S = 3600;
/** About the media app's ring timeout: a call not answered by then has been missed. */
const RING_TTL_S = 60;

const CHANGED: Partial<Record<FieldlineEvent['type'], (e: FieldlineEvent) => string>> = {
  'job.rescheduled': () => 'rescheduled',
  'job.priority_changed': (e) => `priority now ${(e.data as { priority: string }).priority}`,
  'job.put_on_hold': (e) => `put on hold: ${(e.data as { reason: string }).reason}`,
  'job.resumed': () => 'resumed',
  'job.cancelled': (e) => `cancelled: ${(e.data as { reason: string }).reason}`,
  'job.note_added': (e) => `note: ${(e.data as { text: string }).text.slice(0, 120)}`,
};

const jobUrl = (jobId: string) => `/app/?job=${encodeURIComponent(jobId)}`;

/** The notifications one event makes (none for most): a pure function of the event and the names. */
export function notificationsOf(event: FieldlineEvent, names: AlertNames): Notification[] {
  const base = { tenantId: event.tenantId, actorId: event.actor.id };
  const message = (alert: PushAlert, title: string, body: string, tag: string, url = '/app/') => ({ alert, title, body, tag, url, eventId: event.id, at: event.occurredAt });
  const toTechnician = (technicianId: string, m: PushMessage, ttlS = JOB_TTL_S, urgency: 'normal' | 'high' = 'high'): Notification => ({ ...base, audience: { technicianId }, message: m, ttlS, urgency });
  const toDispatchers = (m: PushMessage): Notification => ({ ...base, audience: { dispatchers: true }, message: m, ttlS: TRACKING_TTL_S, urgency: 'normal' });
  const techName = (id: string) => names.technician(id) ?? id;
  const jobTitle = (id: string) => names.job(id)?.title ?? id;

  switch (event.type) {
    case 'job.assigned':
      return [toTechnician(event.data.technicianId, message('job.assigned', 'Job assigned to you', jobTitle(event.streamId), `job:${event.streamId}`, jobUrl(event.streamId)))];
    case 'job.reassigned':
      return [
        toTechnician(event.data.technicianId, message('job.assigned', 'Job assigned to you', jobTitle(event.streamId), `job:${event.streamId}`, jobUrl(event.streamId))),
        toTechnician(event.data.fromTechnicianId, message('job.changed', 'Job reassigned', `${jobTitle(event.streamId)} went to someone else`, `job:${event.streamId}`)),
      ];
    case 'job.unassigned':
      return [toTechnician(event.data.technicianId, message('job.changed', 'Job taken off you', jobTitle(event.streamId), `job:${event.streamId}`))];
    case 'job.completed':
      return [toDispatchers(message('job.completed', 'Job completed', `${jobTitle(event.streamId)} by ${techName(event.data.technicianId)}`, `job:${event.streamId}`, jobUrl(event.streamId)))];
    case 'call.invited':
      return event.data.technicianIds.map((t) =>
        toTechnician(t, message('call.incoming', 'Incoming call', event.data.jobId ? `About ${jobTitle(event.data.jobId)}` : 'Dispatch is calling', `call:${event.data.callId}`), RING_TTL_S),
      );
    case 'tracking.signal_lost':
      return [toDispatchers(message('tracking.signal_lost', 'Signal lost', `${techName(event.data.subjectId)} stopped reporting`, `signal:${event.data.subjectId}`))];
    case 'tracking.geofence_entered':
    case 'tracking.geofence_exited': {
      const verb = event.type === 'tracking.geofence_entered' ? 'entered' : 'left';
      return [toDispatchers(message(event.type, `Geofence ${verb}`, `${techName(event.data.subjectId)} ${verb} ${names.geofence(event.data.geofenceId) ?? event.data.geofenceId}`, `fence:${event.data.subjectId}`))];
    }
    case 'tracking.arrival_detected':
      return [toDispatchers(message('tracking.arrival_detected', 'Arrived', `${techName(event.data.subjectId)} arrived at ${jobTitle(event.data.jobId)}`, `job:${event.data.jobId}`, jobUrl(event.data.jobId)))];
    default: {
      const change = CHANGED[event.type];
      const job = event.type.startsWith('job.') ? names.job(event.streamId) : undefined;
      if (!change || !job?.technicianId) return [];
      return [toTechnician(job.technicianId, message('job.changed', 'Your job changed', `${job.title}: ${change(event)}`, `job:${event.streamId}`, jobUrl(event.streamId)), JOB_TTL_S, 'normal')];
    }
  }
}

/** What notificationsOf needs looked up for these events. */
export function namesNeeded(events: FieldlineEvent[]): { jobIds: string[]; technicianIds: string[]; geofenceIds: string[] } {
  const jobs = new Set<string>();
  const technicians = new Set<string>();
  const geofences = new Set<string>();
  for (const e of events) {
    if (e.type.startsWith('job.')) jobs.add(e.streamId);
    const data = e.data as { jobId?: string; technicianId?: string; subjectId?: string; geofenceId?: string };
    if (data.jobId) jobs.add(data.jobId);
    if (data.technicianId) technicians.add(data.technicianId);
    if (data.subjectId) technicians.add(data.subjectId);
    if (data.geofenceId) geofences.add(data.geofenceId);
  }
  return { jobIds: [...jobs], technicianIds: [...technicians], geofenceIds: [...geofences] };
}

/**
 * Time on shift and time on site for one technician over one period, from their event history.
 * Pure: the service loads the events, this folds them into clipped intervals.
 */

export interface HistoryEvent {
  streamId: string;
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

export interface Period {
  from: Date;
  to: Date;
}

export interface SiteVisit {
  jobId: string;
  arrivedAt: string;
  leftAt: string | null;
  seconds: number;
}

const overlapSeconds = (start: number, end: number, period: Period) =>
  Math.max(0, Math.min(end, period.to.getTime()) - Math.max(start, period.from.getTime())) / 1000;

/** Shift intervals from shift_started / shift_ended (and deactivated), clipped to the period; an open shift runs until `now`. */
export function shiftSeconds(technicianEvents: HistoryEvent[], period: Period, now: Date): number {
  let openedAt: number | null = null;
  let total = 0;
  for (const e of technicianEvents) {
    if (e.type === 'technician.shift_started' && openedAt === null) openedAt = e.occurredAt.getTime();
    else if ((e.type === 'technician.shift_ended' || e.type === 'technician.deactivated') && openedAt !== null) {
      total += overlapSeconds(openedAt, e.occurredAt.getTime(), period);
      openedAt = null;
    }
  }
  if (openedAt !== null) total += overlapSeconds(openedAt, now.getTime(), period);
  return Math.round(total);
}

const leavesSite = new Set(['job.completed', 'job.put_on_hold', 'job.cancelled', 'job.unassigned', 'job.reassigned']);

/**
 * Visits of `technicianId` at job sites: from job.arrived (or job.resumed back to on_site) to the
 * event that ends the stay. Events are one job stream after another, each in stream order.
 */
export function siteVisits(jobEvents: HistoryEvent[], technicianId: string, period: Period, now: Date): SiteVisit[] {
  const visits: SiteVisit[] = [];
  const open = new Map<string, number>();
  for (const e of jobEvents) {
    const arrived = e.type === 'job.arrived' && e.data.technicianId === technicianId;
    const resumedOnSite = e.type === 'job.resumed' && e.data.status === 'on_site' && open.has(`${e.streamId}:held`);
    if (arrived || resumedOnSite) {
      open.delete(`${e.streamId}:held`);
      open.set(e.streamId, e.occurredAt.getTime());
      continue;
    }
    const since = open.get(e.streamId);
    if (since !== undefined && leavesSite.has(e.type)) {
      open.delete(e.streamId);
      if (e.type === 'job.put_on_hold') open.set(`${e.streamId}:held`, 0); // may resume on site
      pushVisit(visits, e.streamId, since, e.occurredAt.getTime(), period);
    }
  }
  for (const [key, since] of open) if (!key.endsWith(':held')) pushVisit(visits, key, since, null, period, now);
  return visits;
}

function pushVisit(visits: SiteVisit[], jobId: string, since: number, until: number | null, period: Period, now?: Date): void {
  const seconds = Math.round(overlapSeconds(since, until ?? now!.getTime(), period));
  if (seconds <= 0) return;
  visits.push({ jobId, arrivedAt: new Date(since).toISOString(), leftAt: until === null ? null : new Date(until).toISOString(), seconds });
}

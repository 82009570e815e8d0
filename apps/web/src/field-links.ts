// What the technician's phone hands to other apps (dialler, maps) and how it shows a job's day and
// window. Pure: no DOM, so the unit tests pin the exact links a phone will open.
import type { JobView } from './live-state';

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** RFC 5870 geo: URI; Android opens the chosen navigation app with it, `q` puts a labelled pin there. */
export function geoLink({ lat, lon }: GeoPoint, label?: string): string {
  const at = `${lat},${lon}`;
  return `geo:${at}?q=${at}${label ? `(${encodeURIComponent(label)})` : ''}`;
}

/** A directions link any phone opens (the Google Maps app where installed, else the browser; iOS too, which has no geo:). */
export function mapsLink({ lat, lon }: GeoPoint): string {
  return `https://www.google.com/maps/dir/?api=1&destination=${lat}%2C${lon}`;
}

/** tel: URI (RFC 3966): the digits and a leading +; the spaces, dashes and brackets people type are dropped. */
export function telLink(phone: string): string {
  const trimmed = phone.trim();
  return `tel:${trimmed.startsWith('+') ? '+' : ''}${trimmed.replace(/[^0-9]/g, '')}`;
}

/** The window in the phone's own time zone (or `timeZone`), with the zone named so nobody misreads it. */
export function localWindow(window: { start: string; end: string }, locale?: string, timeZone?: string): string {
  const format = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short', timeZone });
  return format.formatRange(new Date(window.start), new Date(window.end));
}

const dayKey = (at: Date, timeZone?: string) => new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(at);

/**
 * My day in order: the open jobs, and those completed today, by window start (jobs without a window
 * last, by when they came in). Cancelled and other days' completed jobs are not on it.
 */
export function myDay(jobs: Iterable<JobView>, technicianId: string | undefined, now: Date, timeZone?: string): JobView[] {
  const today = dayKey(now, timeZone);
  const startOf = (j: JobView) => j.window?.start ?? `~${j.createdAt}`; // '~' sorts after any ISO date (by code unit)
  const byStart = (a: JobView, b: JobView) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : a.jobId < b.jobId ? -1 : 1);
  return [...jobs]
    .filter((j) => j.technicianId === technicianId && technicianId !== undefined)
    .filter((j) => j.status !== 'cancelled' && (j.status !== 'completed' || dayKey(new Date(j.updatedAt), timeZone) === today))
    .sort(byStart);
}

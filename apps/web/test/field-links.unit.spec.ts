import { geoLink, localWindow, mapsLink, myDay, telLink } from '../src/field-links';
import type { JobView } from '../src/live-state';

it('makes a geo: link with a labelled pin and a maps directions link', () => {
  expect(geoLink({ lat: 52.529, lon: 13.401 }, 'Bakery Mitte')).toBe('geo:52.529,13.401?q=52.529,13.401(Bakery%20Mitte)');
  expect(geoLink({ lat: -33.9, lon: 18.4 })).toBe('geo:-33.9,18.4?q=-33.9,18.4');
  expect(mapsLink({ lat: 52.529, lon: 13.401 })).toBe('https://www.google.com/maps/dir/?api=1&destination=52.529%2C13.401');
});

it('dials the digits of a phone number as people type it', () => {
  expect(telLink(' +49 (30) 123-456 ')).toBe('tel:+4930123456');
  expect(telLink('030 123456')).toBe('tel:030123456');
});

it("shows the window in the phone's time zone, naming it", () => {
  const window = { start: '2031-03-04T09:00:00Z', end: '2031-03-04T11:30:00Z' };
  expect(localWindow(window, 'en-GB', 'Europe/Berlin')).toMatch(/10:00.*12:30.*(CET|GMT\+1)/);
  expect(localWindow(window, 'en-GB', 'America/New_York')).toMatch(/04:00.*06:30.*(EST|GMT-5)/);
});

const job = (jobId: string, status: string, start?: string, updatedAt = '2031-03-04T12:00:00Z'): JobView => ({
  jobId, version: 1, status, title: jobId, priority: 'normal', requiredSkills: [], technicianId: 'tech-1', createdAt: '2031-03-01T00:00:00Z', updatedAt,
  ...(start ? { window: { start, end: start.replace(/:00Z$/, ':59Z') } } : {}),
});

it("orders my day by window start: open jobs and today's completed ones, nothing cancelled or from other days", () => {
  const now = new Date('2031-03-04T15:00:00Z');
  const jobs = [
    job('later', 'assigned', '2031-03-04T16:00:00Z'),
    job('no-window', 'assigned'),
    job('done-today', 'completed', '2031-03-04T08:00:00Z'),
    job('done-yesterday', 'completed', '2031-03-03T08:00:00Z', '2031-03-03T10:00:00Z'),
    job('cancelled', 'cancelled', '2031-03-04T09:00:00Z'),
    job('now', 'on_site', '2031-03-04T14:00:00Z'),
    { ...job('someone-else', 'assigned', '2031-03-04T07:00:00Z'), technicianId: 'tech-2' },
  ];
  expect(myDay(jobs, 'tech-1', now, 'UTC').map((j) => j.jobId)).toEqual(['done-today', 'now', 'later', 'no-window']);
  expect(myDay(jobs, undefined, now, 'UTC')).toEqual([]);
});

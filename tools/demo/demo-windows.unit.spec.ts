import { demoWindows, zonedTime } from './demo-windows';

// The windows the demo seed books, at the hours where a fixed "today 06:00–18:00" broke (evening UTC),
// at midnight, across a month and a year end, and across daylight-saving changes in Berlin.

const edges = [
  '2026-12-01T21:52:32.351Z', // the evening CI run that failed
  '2026-12-31T23:30:00.000Z', // month and year end
  '2027-01-01T00:05:00.000Z', // just past midnight UTC
  '2027-02-28T22:59:59.999Z', // Berlin midnight of a month end
  '2027-03-28T00:30:00.000Z', // the night Berlin moves to summer time
  '2027-10-30T23:10:00.000Z', // the night before Berlin leaves it
  '2027-06-15T12:00:00.000Z', // an ordinary noon
];

describe.each(edges)('demo windows seeded at %s', (iso) => {
  const now = new Date(iso);
  const windows = demoWindows(now);

  it('are all accepted: each ends after the moment of seeding and starts before it ends', () => {
    for (const w of Object.values(windows)) {
      expect(Date.parse(w.end)).toBeGreaterThan(now.getTime());
      expect(Date.parse(w.start)).toBeLessThan(Date.parse(w.end));
    }
  });

  it('read as a dispatcher expects: due now, in the next hours, tomorrow morning in Berlin', () => {
    const hoursFromNow = (at: string) => (Date.parse(at) - now.getTime()) / 3_600_000;
    expect(hoursFromNow(windows.now.start)).toBeLessThanOrEqual(0);
    expect(hoursFromNow(windows.now.end)).toBeGreaterThanOrEqual(1.75);
    expect(hoursFromNow(windows.soon.start)).toBeGreaterThan(0);
    expect(hoursFromNow(windows.soon.start)).toBeLessThanOrEqual(1.25);
    expect(hoursFromNow(windows.later.start)).toBeGreaterThanOrEqual(3);
    const berlin = (at: string) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(new Date(at));
    const [today] = berlin(now.toISOString()).split(', ');
    const [day, time] = berlin(windows.tomorrow.start).split(', ');
    expect(time).toBe('08:00');
    expect(Date.parse(`${day}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)).toBe(86_400_000);
  });
});

it('finds a wall-clock time in a zone across month ends and daylight-saving changes', () => {
  expect(new Date(zonedTime(2027, 1, 32, 8, 'Europe/Berlin')).toISOString()).toBe('2027-02-01T07:00:00.000Z');
  expect(new Date(zonedTime(2027, 3, 28, 8, 'Europe/Berlin')).toISOString()).toBe('2027-03-28T06:00:00.000Z');
  expect(new Date(zonedTime(2027, 10, 31, 8, 'Europe/Berlin')).toISOString()).toBe('2027-10-31T07:00:00.000Z');
  expect(new Date(zonedTime(2027, 12, 32, 8, 'America/New_York')).toISOString()).toBe('2028-01-01T13:00:00.000Z');
});

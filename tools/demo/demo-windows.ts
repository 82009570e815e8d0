// Job windows for the demo, laid from the moment of seeding so they are valid at any hour: a dispatcher
// opening the board sees work due now, some in the next hours and one for tomorrow morning.

export type DemoWindowName = 'now' | 'soon' | 'later' | 'tomorrow';
export interface Window {
  start: string;
  end: string;
}

/** The demo's sites are in Berlin: "tomorrow morning" is there, whatever the machine's time zone. */
export const DEMO_TIME_ZONE = 'Europe/Berlin';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function demoWindows(now: Date, timeZone = DEMO_TIME_ZONE): Record<DemoWindowName, Window> {
  // whole quarter hours after now, as a dispatcher would book them
  const quarter = Math.ceil(now.getTime() / (15 * MINUTE)) * 15 * MINUTE;
  const span = (start: number, hours: number): Window => ({ start: new Date(start).toISOString(), end: new Date(start + hours * HOUR).toISOString() });
  const local = localDate(now, timeZone);
  const tomorrowAt8 = zonedTime(local.year, local.month, local.day + 1, 8, timeZone);
  return {
    now: span(quarter - HOUR, 3), // started within the last hour, ends in about two
    soon: span(quarter + HOUR, 2),
    later: span(quarter + 3 * HOUR, 3),
    tomorrow: span(tomorrowAt8, 4),
  };
}

function localDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: part('year'), month: part('month'), day: part('day') };
}

/** The instant when the wall clock in `timeZone` reads year-month-day hour:00 (day may overflow into the next month). */
export function zonedTime(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  // The zone's offset at a moment, from what its wall clock reads then; twice, in case the first guess
  // fell on the other side of a daylight-saving change.
  const offsetAt = (instant: number) => {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(instant);
    const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - instant;
  };
  const guess = wall - offsetAt(wall);
  return wall - offsetAt(guess);
}

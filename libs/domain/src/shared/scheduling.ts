import type { TimeWindow } from '#libs/events';

/**
 * Skills are tags ('hvac', 'Electrical '): compared trimmed and case-insensitively, stored once each,
 * lower case, in first-seen order.
 */
export function normalizeSkills(skills: readonly string[]): string[] {
  return [...new Set(skills.map((s) => s.trim().toLowerCase()))];
}

/** True when the technician has every required skill (no requirements → anyone qualifies). */
export function hasRequiredSkills(technicianSkills: readonly string[], required: readonly string[]): boolean {
  const have = new Set(normalizeSkills(technicianSkills));
  return normalizeSkills(required).every((skill) => have.has(skill));
}

/** Half-open windows [start, end): one job ending at 10:00 and the next starting at 10:00 do not overlap. */
export function windowsOverlap(a: TimeWindow, b: TimeWindow): boolean {
  return Date.parse(a.start) < Date.parse(b.end) && Date.parse(b.start) < Date.parse(a.end);
}

export type WindowProblem = 'unparseable' | 'start_not_before_end' | 'ended';

/** Why a window is unusable for scheduling at `now`, or null when it is fine. */
export function windowProblem(window: TimeWindow, now: Date): WindowProblem | null {
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  if (Number.isNaN(start) || Number.isNaN(end)) return 'unparseable';
  if (start >= end) return 'start_not_before_end';
  if (end <= now.getTime()) return 'ended';
  return null;
}

export const sameWindow = (a: TimeWindow | undefined, b: TimeWindow | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && Date.parse(a.start) === Date.parse(b.start) && Date.parse(a.end) === Date.parse(b.end));

import { checkEventData, type EventData, type EventType, type TimeWindow } from '#libs/events';
import type { DomainEvent } from './decider';
import { windowProblem } from './scheduling';

/**
 * Builds a domain event, validated and normalised by the catalogue, so a decider can never emit what
 * the envelope would refuse. Undefined optional fields are left out. `invalid` makes the domain error.
 */
export function emit<T extends EventType>(type: T, data: EventData<T>, invalid: (reason: string) => Error): DomainEvent<T> {
  const defined = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
  const checked = checkEventData(type, defined);
  if (!checked.ok) throw invalid(checked.reason);
  return { type, data: checked.data } as DomainEvent<T>;
}

/** Shared window rule of create and reschedule: a real range that has not already ended at `now`. */
export function checkWindow(
  window: TimeWindow | undefined,
  now: Date,
  fail: (code: 'INVALID_WINDOW' | 'WINDOW_IN_PAST', message: string) => Error,
): void {
  if (window === undefined) return;
  switch (windowProblem(window, now)) {
    case null:
      return;
    case 'unparseable':
      throw fail('INVALID_WINDOW', `window must be two ISO times, got ${JSON.stringify(window)}`);
    case 'start_not_before_end':
      throw fail('INVALID_WINDOW', `window start ${window.start} must be before end ${window.end}`);
    case 'ended':
      throw fail('WINDOW_IN_PAST', `window ended at ${window.end}, before ${now.toISOString()}`);
  }
}

import type { CustomerEventType, EventData, EventType, GeofenceEventType, SiteEventType } from '#libs/events';
import type { Command, Decider, DomainEvent } from '../shared/decider';
import { DomainError, type DomainErrorKind } from '../shared/domain-error';
import { emit } from '../shared/emit';

// Customers, sites and geofences share one life: created, updated field by field, retired. One
// decider serves the three families; only the event names differ.

export type PlaceFamily = 'customer' | 'site' | 'geofence';
type PlaceEventType = CustomerEventType | SiteEventType | GeofenceEventType;
export type PlaceDomainEvent = DomainEvent<PlaceEventType>;

const names = {
  customer: { created: 'customer.created', updated: 'customer.updated', retired: 'customer.archived' },
  site: { created: 'site.created', updated: 'site.updated', retired: 'site.archived' },
  geofence: { created: 'geofence.created', updated: 'geofence.updated', retired: 'geofence.deleted' },
} as const satisfies Record<PlaceFamily, Record<'created' | 'updated' | 'retired', PlaceEventType>>;

type CreatedData<F extends PlaceFamily> = EventData<(typeof names)[F]['created']>;
type UpdatedData<F extends PlaceFamily> = EventData<(typeof names)[F]['updated']>;

export type Place<F extends PlaceFamily = PlaceFamily> =
  | { status: 'initial' }
  | { status: 'active'; data: CreatedData<F> }
  | { status: 'retired' };

export type PlaceCommand<F extends PlaceFamily = PlaceFamily> =
  | Command<'CreatePlace', CreatedData<F>>
  | Command<'UpdatePlace', UpdatedData<F>>
  | Command<'RetirePlace', Record<string, never>>;

export const placeErrorKinds = {
  PLACE_NOT_FOUND: 'not_found',
  PLACE_ALREADY_EXISTS: 'conflict',
  PLACE_RETIRED: 'illegal_state',
  INVALID_INPUT: 'validation',
} as const satisfies Record<string, DomainErrorKind>;
export type PlaceErrorCode = keyof typeof placeErrorKinds;

export class PlaceError extends DomainError<PlaceErrorCode> {
  constructor(code: PlaceErrorCode, message: string) {
    super(code, placeErrorKinds[code], message);
  }
}

const event = (type: PlaceEventType, data: unknown) =>
  emit(type as EventType, data as never, (reason) => new PlaceError('INVALID_INPUT', reason)) as PlaceDomainEvent;

export function placeDecider<F extends PlaceFamily>(family: F): Decider<Place<F>, PlaceCommand<F>, PlaceDomainEvent> {
  const type = names[family];
  const active = (place: Place<F>) => {
    if (place.status === 'initial') throw new PlaceError('PLACE_NOT_FOUND', `${family} does not exist`);
    if (place.status === 'retired') throw new PlaceError('PLACE_RETIRED', `${family} was ${type.retired.split('.')[1]}`);
    return place;
  };
  return {
    initialState: () => ({ status: 'initial' }),
    decide(command, place) {
      switch (command.type) {
        case 'CreatePlace':
          if (place.status !== 'initial') throw new PlaceError('PLACE_ALREADY_EXISTS', `${family} already exists`);
          return [event(type.created, command.data)];
        case 'UpdatePlace': {
          const current = active(place);
          // Only what actually changes is recorded; an update that changes nothing decides nothing.
          const changed = Object.fromEntries(
            Object.entries(command.data).filter(([k, v]) => v !== undefined && JSON.stringify((current.data as Record<string, unknown>)[k]) !== JSON.stringify(v)),
          );
          return Object.keys(changed).length === 0 ? [] : [event(type.updated, changed)];
        }
        case 'RetirePlace':
          active(place);
          return [event(type.retired, {})];
        default: {
          const unknown: never = command;
          throw new Error(`unknown place command ${(unknown as { type: string }).type}`);
        }
      }
    },
    evolve(place, e) {
      if (e.type === type.created) return { status: 'active', data: e.data as CreatedData<F> };
      if (e.type === type.updated && place.status === 'active') return { status: 'active', data: { ...place.data, ...(e.data as object) } };
      if (e.type === type.retired) return { status: 'retired' };
      return place;
    },
  };
}

import type { EventType } from '#libs/events';
import type { Decider } from '../shared/decider';
import { emit } from '../shared/emit';
import type { CreatePlace, PlaceCommand, RetirePlace, UpdatePlace } from './place.commands';
import { PlaceError } from './place.errors';
import {
  type ActivePlace,
  evolvePlace,
  initialPlaceState,
  type Place,
  type PlaceDomainEvent,
  type PlaceEventType,
  placeEventNames,
  type PlaceFamily,
} from './place.state';

const event = (type: PlaceEventType, data: unknown) =>
  emit(type as EventType, data as never, (reason) => new PlaceError('INVALID_INPUT', reason)) as PlaceDomainEvent;

function active<F extends PlaceFamily>(place: Place<F>, family: F): ActivePlace<F> {
  if (place.status === 'initial') throw new PlaceError('PLACE_NOT_FOUND', `${family} does not exist`);
  if (place.status === 'retired') {
    throw new PlaceError('PLACE_RETIRED', `${family} was ${placeEventNames[family].retired.split('.')[1]}`);
  }
  return place;
}

export function createPlace<F extends PlaceFamily>(command: CreatePlace<F>, place: Place<F>, family: F): PlaceDomainEvent[] {
  if (place.status !== 'initial') throw new PlaceError('PLACE_ALREADY_EXISTS', `${family} already exists`);
  return [event(placeEventNames[family].created, command.data)];
}

/** Only what actually changes is recorded; an update that changes nothing decides nothing. */
export function updatePlace<F extends PlaceFamily>(command: UpdatePlace<F>, place: Place<F>, family: F): PlaceDomainEvent[] {
  const current = active(place, family).data as Record<string, unknown>;
  const changed = Object.fromEntries(
    Object.entries(command.data).filter(([k, v]) => v !== undefined && JSON.stringify(current[k]) !== JSON.stringify(v)),
  );
  return Object.keys(changed).length === 0 ? [] : [event(placeEventNames[family].updated, changed)];
}

export function retirePlace<F extends PlaceFamily>(_command: RetirePlace, place: Place<F>, family: F): PlaceDomainEvent[] {
  active(place, family);
  return [event(placeEventNames[family].retired, {})];
}

export function decidePlace<F extends PlaceFamily>(command: PlaceCommand<F>, place: Place<F>, family: F): PlaceDomainEvent[] {
  switch (command.type) {
    case 'CreatePlace':
      return createPlace(command, place, family);
    case 'UpdatePlace':
      return updatePlace(command, place, family);
    case 'RetirePlace':
      return retirePlace(command, place, family);
    default: {
      const unknown: never = command;
      throw new Error(`unknown place command ${(unknown as { type: string }).type}`);
    }
  }
}

/** The family is fixed per stream; commands carry only what the caller decides, so the decider closes over it. */
export const placeDecider = <F extends PlaceFamily>(family: F): Decider<Place<F>, PlaceCommand<F>, PlaceDomainEvent> => ({
  decide: (command, place) => decidePlace(command, place, family),
  evolve: (place, e) => evolvePlace(place, e, family),
  initialState: initialPlaceState,
});

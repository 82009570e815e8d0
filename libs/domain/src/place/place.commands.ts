import type { Command } from '../shared/decider';
import type { PlaceCreatedData, PlaceFamily, PlaceUpdatedData } from './place.state';

// The place is identified by its stream; the family (customer, site, geofence) picks the event names
// and the data each command carries.

export type CreatePlace<F extends PlaceFamily = PlaceFamily> = Command<'CreatePlace', PlaceCreatedData<F>>;
/** Fields left out (or undefined) are kept; only the fields that change are recorded. */
export type UpdatePlace<F extends PlaceFamily = PlaceFamily> = Command<'UpdatePlace', PlaceUpdatedData<F>>;
export type RetirePlace = Command<'RetirePlace', Record<string, never>>;

export type PlaceCommand<F extends PlaceFamily = PlaceFamily> = CreatePlace<F> | UpdatePlace<F> | RetirePlace;

export type PlaceCommandType = PlaceCommand['type'];

import type { CustomerEventType, EventData, GeofenceEventType, SiteEventType } from '#libs/events';
import type { DomainEvent } from '../shared/decider';

// Customers, sites and geofences share one life: created, updated field by field, retired. One
// state and one decider serve the three families; only the event names differ.

export type PlaceFamily = 'customer' | 'site' | 'geofence';
export type PlaceEventType = CustomerEventType | SiteEventType | GeofenceEventType;
export type PlaceDomainEvent = DomainEvent<PlaceEventType>;

/** Each family's name for the three facts of a place's life. */
export const placeEventNames = {
  customer: { created: 'customer.created', updated: 'customer.updated', retired: 'customer.archived' },
  site: { created: 'site.created', updated: 'site.updated', retired: 'site.archived' },
  geofence: { created: 'geofence.created', updated: 'geofence.updated', retired: 'geofence.deleted' },
} as const satisfies Record<PlaceFamily, Record<'created' | 'updated' | 'retired', PlaceEventType>>;

export type PlaceCreatedData<F extends PlaceFamily> = EventData<(typeof placeEventNames)[F]['created']>;
export type PlaceUpdatedData<F extends PlaceFamily> = EventData<(typeof placeEventNames)[F]['updated']>;

export interface PlaceInitial {
  status: 'initial';
}
export interface ActivePlace<F extends PlaceFamily = PlaceFamily> {
  status: 'active';
  data: PlaceCreatedData<F>;
}
export interface RetiredPlace {
  status: 'retired';
}

export type Place<F extends PlaceFamily = PlaceFamily> = PlaceInitial | ActivePlace<F> | RetiredPlace;
export type PlaceStatus = Place['status'];

export const initialPlaceState = <F extends PlaceFamily>(): Place<F> => ({ status: 'initial' });

/**
 * Events are facts: evolve never refuses one. Another family's event (only possible with a corrupt
 * stream) and an update before creation leave the state as it is.
 */
export function evolvePlace<F extends PlaceFamily>(place: Place<F>, event: PlaceDomainEvent, family: F): Place<F> {
  const type = placeEventNames[family];
  switch (event.type) {
    case type.created:
      return { status: 'active', data: event.data as PlaceCreatedData<F> };
    case type.updated:
      return place.status === 'active' ? { status: 'active', data: { ...place.data, ...(event.data as object) } } : place;
    case type.retired:
      return { status: 'retired' };
    default:
      return place;
  }
}

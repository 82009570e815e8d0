import type { Place, PlaceFamily } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';

export interface PlaceRow {
  place_id: string;
  version: number;
  status: 'active' | 'retired';
  name: string;
  parent_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface PlaceListFilter {
  status: 'active' | 'retired';
  parentId?: string;
  /** Name prefix, any case. */
  q?: string;
  sort: 'name' | 'created_at';
  limit: number;
  cursor?: string;
}

export interface PlaceKey {
  tenantId: string;
  family: PlaceFamily;
  placeId: string;
}

/** How a command's events change places_view: the place as it now is, or its retirement. */
export type PlaceViewWrite = PlaceKey & { version: number; at: Date } & ({ retired: true } | { retired?: false; name: string; parentId: string | null; data: Record<string, unknown> });

/** The field of a record that names its parent, for the list filter. */
const parentField: Record<PlaceFamily, string | undefined> = { customer: undefined, site: 'customerId', geofence: 'siteId' };

/** places_view in step with the stream, from the folded state; times are the command's. */
export function placeViewWrite(key: PlaceKey, events: FieldlineEvent[], place: Place, version: number): PlaceViewWrite | undefined {
  if (place.status === 'initial') return undefined;
  const at = new Date(events.at(-1)!.occurredAt);
  if (place.status === 'retired') return { ...key, version, at, retired: true };
  const data = place.data as Record<string, unknown>;
  const field = parentField[key.family];
  return { ...key, version, at, name: data.name as string, parentId: field ? ((data[field] as string | undefined) ?? null) : null, data };
}

/** Customers, sites and geofences as listed (places_view; the port, with PostgreSQL and in-memory implementations). */
export abstract class PlacesRepository {
  abstract find(key: PlaceKey): Promise<PlaceRow | undefined>;
  abstract list(tenantId: string, family: PlaceFamily, filter: PlaceListFilter): Promise<{ rows: PlaceRow[]; nextCursor: string | null }>;
  /** The read model's write for a command, in the event store's own form (AppendRequest.projection). */
  abstract projection(write: PlaceViewWrite): unknown;
}

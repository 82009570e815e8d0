import type { PlaceFamily } from '#libs/domain';
import { type PlaceKey, type PlaceListFilter, type PlaceRow, PlacesRepository, type PlaceViewWrite } from './places.repository';

/** places_view in memory, for unit tests with InMemoryEventStore (its projection runs after the append). One page only. */
export class InMemoryPlacesRepository extends PlacesRepository {
  private readonly rows = new Map<string, PlaceRow & { tenant_id: string; family: PlaceFamily }>();

  async find(key: PlaceKey): Promise<PlaceRow | undefined> {
    const row = this.rows.get(id(key));
    return row && { ...row };
  }

  async list(tenantId: string, family: PlaceFamily, filter: PlaceListFilter): Promise<{ rows: PlaceRow[]; nextCursor: string | null }> {
    const sortKey = (r: PlaceRow) => (filter.sort === 'created_at' ? r.created_at.toISOString() : r.name.toLowerCase());
    const rows = [...this.rows.values()]
      .filter((r) => r.tenant_id === tenantId && r.family === family && r.status === filter.status)
      .filter((r) => !filter.parentId || r.parent_id === filter.parentId)
      .filter((r) => !filter.q || r.name.toLowerCase().startsWith(filter.q.toLowerCase()))
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)) || a.place_id.localeCompare(b.place_id));
    return { rows: rows.slice(0, filter.limit), nextCursor: null };
  }

  projection(write: PlaceViewWrite): () => PlaceRow | undefined {
    return () => {
      const existing = this.rows.get(id(write));
      const row = write.retired
        ? existing && { ...existing, status: 'retired' as const, version: write.version, updated_at: write.at }
        : {
            tenant_id: write.tenantId,
            family: write.family,
            place_id: write.placeId,
            version: write.version,
            status: 'active' as const,
            name: write.name,
            parent_id: write.parentId,
            data: write.data,
            created_at: existing?.created_at ?? write.at,
            updated_at: write.at,
          };
      if (row) this.rows.set(id(write), row);
      return row && { ...row };
    };
  }
}

const id = (key: PlaceKey) => `${key.tenantId}/${key.family}/${key.placeId}`;

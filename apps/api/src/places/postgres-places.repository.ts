import { Injectable } from '@nestjs/common';
import type { PlaceFamily } from '#libs/domain';
import { DatabaseService, type Sql, statement } from '#libs/timescale';
import { keysetPage, startsWith } from '../common/pagination';
import { type PlaceKey, type PlaceListFilter, type PlaceRow, PlacesRepository, type PlaceViewWrite } from './places.repository';

// the columns the projection returns (named statements must not return `*`: see JOB_VIEW_COLUMNS)
const PLACE_COLUMNS = 'place_id, version, status, name, parent_id, data, created_at, updated_at';
const PLACE_ROW = statement(`SELECT ${PLACE_COLUMNS} FROM places_view WHERE tenant_id = $1 AND family = $2 AND place_id = $3`);
const RETIRE_TEXT = `UPDATE places_view SET status = 'retired', version = $4, updated_at = $5 WHERE tenant_id = $1 AND family = $2 AND place_id = $3 RETURNING ${PLACE_COLUMNS}`;
const UPSERT_TEXT = `INSERT INTO places_view (tenant_id, family, place_id, version, status, name, parent_id, data, created_at, updated_at)
   VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $8)
   ON CONFLICT (tenant_id, family, place_id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name,
     parent_id = EXCLUDED.parent_id, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at
   RETURNING ${PLACE_COLUMNS}`;

@Injectable()
export class PostgresPlacesRepository extends PlacesRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async find({ tenantId, family, placeId }: PlaceKey): Promise<PlaceRow | undefined> {
    const { rows } = await this.db.query<PlaceRow>(PLACE_ROW, [tenantId, family, placeId]);
    return rows[0];
  }

  list(tenantId: string, family: PlaceFamily, filter: PlaceListFilter): Promise<{ rows: PlaceRow[]; nextCursor: string | null }> {
    const values: unknown[] = [tenantId, family, filter.status];
    const where = ['tenant_id = $1', 'family = $2', 'status = $3'];
    if (filter.parentId) where.push(`parent_id = $${values.push(filter.parentId)}`);
    if (filter.q) where.push(`lower(name) LIKE $${values.push(startsWith(filter.q))}`);
    return keysetPage<PlaceRow & Record<string, unknown>>(this.db, {
      from: 'places_view',
      where,
      values,
      sortKey: filter.sort === 'created_at' ? 'created_at::text' : 'lower(name)',
      idColumn: 'place_id',
      limit: filter.limit,
      cursor: filter.cursor,
    });
  }

  /** One INSERT … ON CONFLICT / UPDATE … RETURNING, run inside the append's own statement. */
  projection(write: PlaceViewWrite): Sql {
    const key = [write.tenantId, write.family, write.placeId, write.version];
    if (write.retired) return { text: RETIRE_TEXT, values: [...key, write.at] };
    return { text: UPSERT_TEXT, values: [...key, write.name, write.parentId, JSON.stringify(write.data), write.at] };
  }
}

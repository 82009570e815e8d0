import { Injectable } from '@nestjs/common';
import { DatabaseService, type Sql, statement } from '#libs/timescale';
import { keysetPage, startsWith } from '../common/pagination';
import { type TechnicianListFilter, type TechnicianRow, TechniciansRepository, type TechnicianViewWrite } from './technicians.repository';

// the columns the projection returns (named statements must not return `*`: see JOB_VIEW_COLUMNS)
const TECHNICIAN_COLUMNS = 'technician_id, version, name, skills, status, available, home_lat, home_lon, updated_at';
const TECHNICIAN_ROW = statement(`SELECT ${TECHNICIAN_COLUMNS} FROM technicians_view WHERE tenant_id = $1 AND technician_id = $2`);
const INSERT_TEXT = `INSERT INTO technicians_view (tenant_id, technician_id, version, name, skills, status, available, home_lat, home_lon, created_at, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ${TECHNICIAN_COLUMNS}`;
const UPDATE_TEXT = `UPDATE technicians_view SET version = $3, skills = $4, status = $5, available = $6, updated_at = $7
   WHERE tenant_id = $1 AND technician_id = $2 RETURNING ${TECHNICIAN_COLUMNS}`;

@Injectable()
export class PostgresTechniciansRepository extends TechniciansRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async find(tenantId: string, technicianId: string): Promise<TechnicianRow | undefined> {
    const { rows } = await this.db.query<TechnicianRow>(TECHNICIAN_ROW, [tenantId, technicianId]);
    return rows[0];
  }

  list(tenantId: string, filter: TechnicianListFilter): Promise<{ rows: TechnicianRow[]; nextCursor: string | null }> {
    const values: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    if (filter.status) where.push(`status = $${values.push(filter.status)}`);
    if (filter.available !== undefined) where.push(`available = $${values.push(filter.available)}`);
    if (filter.skill) where.push(`$${values.push(filter.skill)} = ANY(skills)`);
    if (filter.q) where.push(`lower(name) LIKE $${values.push(startsWith(filter.q))}`);
    return keysetPage<TechnicianRow & Record<string, unknown>>(this.db, {
      from: 'technicians_view',
      where,
      values,
      sortKey: 'lower(name)',
      idColumn: 'technician_id',
      limit: filter.limit,
      cursor: filter.cursor,
    });
  }

  /** One INSERT/UPDATE … RETURNING, run inside the append's own statement. */
  projection(write: TechnicianViewWrite): Sql {
    if ('insert' in write) {
      const r = write.insert;
      return { text: INSERT_TEXT, values: [r.tenant_id, r.technician_id, r.version, r.name, r.skills, r.status, r.available, r.home_lat, r.home_lon, r.updated_at] };
    }
    const c = write.update;
    return { text: UPDATE_TEXT, values: [c.tenant_id, c.technician_id, c.version, c.skills, c.status, c.available, c.updated_at] };
  }
}

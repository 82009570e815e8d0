import { type TechnicianListFilter, type TechnicianRow, TechniciansRepository, type TechnicianViewWrite } from './technicians.repository';

/** technicians_view in memory, for unit tests with InMemoryEventStore (its projection runs after the append). One page only. */
export class InMemoryTechniciansRepository extends TechniciansRepository {
  readonly rows = new Map<string, TechnicianRow & { tenant_id: string }>();

  async find(tenantId: string, technicianId: string): Promise<TechnicianRow | undefined> {
    const row = this.rows.get(`${tenantId}/${technicianId}`);
    return row && { ...row };
  }

  async list(tenantId: string, filter: TechnicianListFilter): Promise<{ rows: TechnicianRow[]; nextCursor: string | null }> {
    const rows = [...this.rows.values()]
      .filter((r) => r.tenant_id === tenantId)
      .filter((r) => !filter.status || r.status === filter.status)
      .filter((r) => filter.available === undefined || r.available === filter.available)
      .filter((r) => !filter.skill || r.skills.includes(filter.skill))
      .filter((r) => !filter.q || r.name.toLowerCase().startsWith(filter.q.toLowerCase()))
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.technician_id.localeCompare(b.technician_id));
    return { rows: rows.slice(0, filter.limit), nextCursor: null };
  }

  projection(write: TechnicianViewWrite): () => TechnicianRow | undefined {
    return () => {
      const changes = 'insert' in write ? write.insert : write.update;
      const id = `${changes.tenant_id}/${changes.technician_id}`;
      const row = 'insert' in write ? { ...write.insert } : this.rows.get(id) && { ...this.rows.get(id)!, ...write.update };
      if (row) this.rows.set(id, row);
      return row && { ...row };
    };
  }
}

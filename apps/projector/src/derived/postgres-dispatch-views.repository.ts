import { Injectable } from '@nestjs/common';
import type { FenceShape } from '#libs/domain';
import { DatabaseService } from '#libs/timescale';
import { DispatchViewsRepository, type EnRouteJob, type Fence, type OnShiftTechnician } from './dispatch-views.repository';

@Injectable()
export class PostgresDispatchViewsRepository extends DispatchViewsRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async activeGeofences(tenantId: string): Promise<Fence[]> {
    const { rows } = await this.db.query<{ place_id: string; parent_id: string | null; data: { shape: FenceShape } }>(
      "SELECT place_id, parent_id, data FROM places_view WHERE tenant_id = $1 AND family = 'geofence' AND status = 'active'",
      [tenantId],
    );
    return rows.map((r) => ({ geofenceId: r.place_id, ...(r.parent_id ? { siteId: r.parent_id } : {}), shape: r.data.shape }));
  }

  async enRouteJobs(tenantId: string, technicianIds: string[]): Promise<EnRouteJob[]> {
    const { rows } = await this.db.query<{ job_id: string; technician_id: string; site_id: string | null; lat: number | null; lon: number | null }>(
      `SELECT job_id, technician_id, site_id, lat, lon FROM jobs_view
       WHERE tenant_id = $1 AND technician_id = ANY($2) AND status = 'en_route'`,
      [tenantId, technicianIds],
    );
    return rows.map((r) => ({ jobId: r.job_id, technicianId: r.technician_id, siteId: r.site_id, lat: r.lat, lon: r.lon }));
  }

  async techniciansOnShift(): Promise<OnShiftTechnician[]> {
    const { rows } = await this.db.query<{ tenant_id: string; technician_id: string }>(
      "SELECT tenant_id, technician_id FROM technicians_view WHERE status = 'on_shift'",
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, technicianId: r.technician_id }));
  }
}

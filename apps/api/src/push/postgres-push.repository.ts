import { Injectable } from '@nestjs/common';
import { DatabaseService } from '#libs/timescale';
import type { PushAlert } from './push-alerts';
import { nameKey, type PushNames, PushRepository, type PushSubscriptionRecord, type PushTarget } from './push.repository';

interface Row {
  subscription_id: string;
  tenant_id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  alerts: PushAlert[];
  created_at: Date;
}

const COLUMNS = 'subscription_id, tenant_id, user_id, endpoint, p256dh, auth, alerts, created_at';

const toRecord = (r: Row): PushSubscriptionRecord => ({
  subscriptionId: r.subscription_id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  alerts: r.alerts,
  createdAt: r.created_at,
});

@Injectable()
export class PostgresPushRepository extends PushRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async upsert(s: Omit<PushSubscriptionRecord, 'createdAt'>): Promise<PushSubscriptionRecord> {
    // The id stays with the endpoint; a new owner's row starts afresh (created_at counts from the takeover).
    const { rows } = await this.db.query<Row>(
      `INSERT INTO push_subscriptions (subscription_id, tenant_id, user_id, endpoint, p256dh, auth, alerts, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
       ON CONFLICT (endpoint) DO UPDATE SET tenant_id = EXCLUDED.tenant_id, user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh,
         auth = EXCLUDED.auth, alerts = EXCLUDED.alerts, updated_at = now(),
         created_at = CASE WHEN push_subscriptions.user_id = EXCLUDED.user_id THEN push_subscriptions.created_at ELSE now() END
       RETURNING ${COLUMNS}`,
      [s.subscriptionId, s.tenantId, s.userId, s.endpoint, s.p256dh, s.auth, s.alerts],
    );
    return toRecord(rows[0]!);
  }

  async mine(tenantId: string, userId: string): Promise<PushSubscriptionRecord[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM push_subscriptions WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at`, [tenantId, userId]);
    return rows.map(toRecord);
  }

  async remove(tenantId: string, userId: string, subscriptionId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM push_subscriptions WHERE tenant_id = $1 AND user_id = $2 AND subscription_id = $3', [tenantId, userId, subscriptionId]);
    return Boolean(rowCount);
  }

  async forget(subscriptionId: string, endpoint: string): Promise<void> {
    await this.db.query('DELETE FROM push_subscriptions WHERE subscription_id = $1 AND endpoint = $2', [subscriptionId, endpoint]);
  }

  async targets(tenantIds: string[]): Promise<PushTarget[]> {
    const { rows } = await this.db.query<Row & { role: string; technician_id: string | null }>(
      `SELECT ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, u.role, u.technician_id
       FROM push_subscriptions s JOIN users u ON u.user_id = s.user_id AND u.tenant_id = s.tenant_id
       WHERE s.tenant_id = ANY($1) AND u.disabled_at IS NULL`,
      [tenantIds],
    );
    return rows.map((r) => ({ ...toRecord(r), role: r.role, technicianId: r.technician_id }));
  }

  async names(tenantIds: string[], ids: { jobIds: string[]; technicianIds: string[]; geofenceIds: string[] }): Promise<PushNames> {
    const [jobs, technicians, geofences] = await Promise.all([
      this.db.query<{ tenant_id: string; job_id: string; title: string; technician_id: string | null }>('SELECT tenant_id, job_id, title, technician_id FROM jobs_view WHERE tenant_id = ANY($1) AND job_id = ANY($2)', [tenantIds, ids.jobIds]),
      this.db.query<{ tenant_id: string; technician_id: string; name: string }>('SELECT tenant_id, technician_id, name FROM technicians_view WHERE tenant_id = ANY($1) AND technician_id = ANY($2)', [tenantIds, ids.technicianIds]),
      this.db.query<{ tenant_id: string; place_id: string; name: string }>("SELECT tenant_id, place_id, name FROM places_view WHERE tenant_id = ANY($1) AND family = 'geofence' AND place_id = ANY($2)", [tenantIds, ids.geofenceIds]),
    ]);
    return {
      jobs: new Map(jobs.rows.map((r) => [nameKey(r.tenant_id, r.job_id), { title: r.title, technicianId: r.technician_id }])),
      technicians: new Map(technicians.rows.map((r) => [nameKey(r.tenant_id, r.technician_id), r.name])),
      geofences: new Map(geofences.rows.map((r) => [nameKey(r.tenant_id, r.place_id), r.name])),
    };
  }
}

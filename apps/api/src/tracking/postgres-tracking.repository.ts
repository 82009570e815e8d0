import { Injectable } from '@nestjs/common';
import { DatabaseService } from '#libs/timescale';
import type { HistoryEvent, Period } from './daily-summary';
import { type AvailableTechnician, type JobPlace, type MovementTotals, type TrackPoint, TrackingRepository } from './tracking.repository';

interface HistoryRow {
  stream_id: string;
  type: string;
  occurred_at: Date;
  data: Record<string, unknown>;
}

interface FixRow {
  time: Date;
  lat: number;
  lon: number;
  speed_mps: number | null;
  heading_deg: number | null;
  accuracy_m: number | null;
}

@Injectable()
export class PostgresTrackingRepository extends TrackingRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async technicianExists(tenantId: string, technicianId: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM technicians_view WHERE tenant_id = $1 AND technician_id = $2', [tenantId, technicianId]);
    return rows.length > 0;
  }

  async countFixes(tenantId: string, technicianId: string, range: Period): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM locations WHERE tenant_id = $1 AND subject_id = $2 AND time >= $3 AND time < $4',
      [tenantId, technicianId, range.from, range.to],
    );
    return Number(rows[0]!.n);
  }

  async fixes(tenantId: string, technicianId: string, range: Period, bucketSeconds: number | null): Promise<TrackPoint[]> {
    const args = [tenantId, technicianId, range.from, range.to];
    const { rows } = await this.db.query<FixRow>(
      bucketSeconds === null
        ? `SELECT time, lat, lon, speed_mps, heading_deg, accuracy_m FROM locations
           WHERE tenant_id = $1 AND subject_id = $2 AND time >= $3 AND time < $4 ORDER BY time`
        : `SELECT last(time, time) AS time, last(lat, time) AS lat, last(lon, time) AS lon, max(speed_mps) AS speed_mps,
                  last(heading_deg, time) AS heading_deg, last(accuracy_m, time) AS accuracy_m
           FROM locations WHERE tenant_id = $1 AND subject_id = $2 AND time >= $3 AND time < $4
           GROUP BY time_bucket(make_interval(secs => $5), time) ORDER BY 1`,
      bucketSeconds === null ? args : [...args, bucketSeconds],
    );
    return rows.map((r) => ({ time: r.time.toISOString(), lat: r.lat, lon: r.lon, speedMps: r.speed_mps, headingDeg: r.heading_deg, accuracyM: r.accuracy_m }));
  }

  async movement(tenantId: string, technicianId: string, period: Period): Promise<MovementTotals> {
    const { rows } = await this.db.query<{ points: string | null; distance_m: number | null; max_speed_mps: number | null }>(
      `SELECT sum(points)::text AS points, sum(distance_m) AS distance_m, max(max_speed_mps) AS max_speed_mps
         FROM locations_1h WHERE tenant_id = $1 AND subject_id = $2 AND bucket >= $3 AND bucket < $4`,
      [tenantId, technicianId, period.from, period.to],
    );
    const d = rows[0];
    return { points: Number(d?.points ?? 0), distanceM: d?.distance_m ?? 0, maxSpeedMps: d?.max_speed_mps ?? null };
  }

  technicianHistory(tenantId: string, technicianId: string, before: Date): Promise<HistoryEvent[]> {
    return this.history(
      `SELECT stream_id, type, occurred_at, data FROM events
         WHERE tenant_id = $1 AND stream_id = $2 AND type LIKE 'technician.%' AND occurred_at < $3 ORDER BY stream_position`,
      [tenantId, technicianId, before],
    );
  }

  visitedJobsHistory(tenantId: string, technicianId: string, period: Period): Promise<HistoryEvent[]> {
    return this.history(
      `SELECT stream_id, type, occurred_at, data FROM events
         WHERE tenant_id = $1 AND type LIKE 'job.%' AND occurred_at < $4 AND stream_id IN (
           SELECT DISTINCT stream_id FROM events WHERE tenant_id = $1 AND type = 'job.arrived' AND data->>'technicianId' = $2
             AND occurred_at >= $3::timestamptz - interval '2 days' AND occurred_at < $4)
         ORDER BY stream_id, stream_position`,
      [tenantId, technicianId, period.from, period.to],
    );
  }

  async availableTechnicians(tenantId: string, technicianIds: string[]): Promise<AvailableTechnician[]> {
    const { rows } = await this.db.query<{ technician_id: string; name: string; skills: string[] }>(
      'SELECT technician_id, name, skills FROM technicians_view WHERE tenant_id = $1 AND technician_id = ANY($2) AND available',
      [tenantId, technicianIds],
    );
    return rows.map((r) => ({ technicianId: r.technician_id, name: r.name, skills: r.skills }));
  }

  async jobPlace(tenantId: string, jobId: string): Promise<JobPlace | undefined> {
    const { rows } = await this.db.query<{ lat: number | null; lon: number | null; required_skills: string[] }>(
      'SELECT lat, lon, required_skills FROM jobs_view WHERE tenant_id = $1 AND job_id = $2',
      [tenantId, jobId],
    );
    const job = rows[0];
    return job && { lat: job.lat, lon: job.lon, requiredSkills: job.required_skills };
  }

  private async history(sql: string, values: unknown[]): Promise<HistoryEvent[]> {
    const { rows } = await this.db.query<HistoryRow>(sql, values);
    return rows.map((r) => ({ streamId: r.stream_id, type: r.type, occurredAt: r.occurred_at, data: r.data }));
  }
}

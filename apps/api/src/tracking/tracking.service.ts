import { Inject, Injectable } from '@nestjs/common';
import { type EtaConfig, etaSeconds, hasRequiredSkills } from '#libs/domain';
import { type FeedEntry, LiveStateStore } from '#libs/live';
import { Clock, problem } from '#libs/platform';
import { DatabaseService } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import { type HistoryEvent, type SiteVisit, shiftSeconds, siteVisits } from './daily-summary';

export const TRACKING_OPTIONS = Symbol('TRACKING_OPTIONS');

export interface TrackingOptions {
  eta: EtaConfig;
}

export interface TrackPoint {
  time: string;
  lat: number;
  lon: number;
  speedMps: number | null;
  headingDeg: number | null;
  accuracyM: number | null;
}

export interface Track {
  technicianId: string;
  from: string;
  to: string;
  /** Set when the range held more fixes than asked for: one point (the last fix) per bucket. */
  bucketSeconds: number | null;
  points: TrackPoint[];
}

export interface DailySummary {
  technicianId: string;
  date: string;
  points: number;
  distanceM: number;
  maxSpeedMps: number | null;
  onShiftSeconds: number;
  onSiteSeconds: number;
  visits: SiteVisit[];
}

export interface Candidate {
  technicianId: string;
  name: string;
  skills: string[];
  distanceM: number;
  etaS: number;
  position: { lat: number; lon: number; at: string };
}

const MAX_TRACK_RANGE_MS = 31 * 86_400_000;

const notFound = (id: string) => problem(404, 'technician-not-found', 'Not Found', `no technician ${id}`, { code: 'TECHNICIAN_NOT_FOUND' });

/**
 * Reads over the projector's history (TimescaleDB hypertables and aggregates) and live state
 * (Redis), scoped by tenant; a technician sees only their own.
 */
@Injectable()
export class TrackingService {
  constructor(
    private readonly clock: Clock,
    private readonly db: DatabaseService,
    private readonly live: LiveStateStore,
    @Inject(TRACKING_OPTIONS) private readonly options: TrackingOptions,
  ) {}

  async track(principal: Principal, technicianId: string, from: string, to: string, maxPoints: number): Promise<Track> {
    await this.visibleTechnician(principal, technicianId);
    const range = checkRange(from, to);
    const args = [principal.tenantId, technicianId, range.from, range.to];
    const { rows: counted } = await this.db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM locations WHERE tenant_id = $1 AND subject_id = $2 AND time >= $3 AND time < $4',
      args,
    );
    const total = Number(counted[0]!.n);
    // A bucket width that brings the range under maxPoints, in whole seconds.
    const bucketSeconds = total > maxPoints ? Math.ceil((range.to.getTime() - range.from.getTime()) / 1000 / maxPoints) : null;
    const { rows } = await this.db.query<{ time: Date; lat: number; lon: number; speed_mps: number | null; heading_deg: number | null; accuracy_m: number | null }>(
      bucketSeconds === null
        ? `SELECT time, lat, lon, speed_mps, heading_deg, accuracy_m FROM locations
           WHERE tenant_id = $1 AND subject_id = $2 AND time >= $3 AND time < $4 ORDER BY time`
        : `SELECT last(time, time) AS time, last(lat, time) AS lat, last(lon, time) AS lon, max(speed_mps) AS speed_mps,
                  last(heading_deg, time) AS heading_deg, last(accuracy_m, time) AS accuracy_m
           FROM locations WHERE tenant_id = $1 AND subject_id = $2 AND time >= $3 AND time < $4
           GROUP BY time_bucket(make_interval(secs => $5), time) ORDER BY 1`,
      bucketSeconds === null ? args : [...args, bucketSeconds],
    );
    return {
      technicianId,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      bucketSeconds,
      points: rows.map((r) => ({ time: r.time.toISOString(), lat: r.lat, lon: r.lon, speedMps: r.speed_mps, headingDeg: r.heading_deg, accuracyM: r.accuracy_m })),
    };
  }

  async summary(principal: Principal, technicianId: string, date: string): Promise<DailySummary> {
    const now = this.clock.now();
    await this.visibleTechnician(principal, technicianId);
    const from = new Date(`${date}T00:00:00.000Z`);
    if (Number.isNaN(from.getTime()) || from.toISOString().slice(0, 10) !== date) throw problem(400, 'invalid-date', 'Bad Request', `${date} is not a calendar date`, { code: 'INVALID_DATE' });
    const period = { from, to: new Date(from.getTime() + 86_400_000) };
    const [distance, technicianEvents, jobEvents] = await Promise.all([
      this.db.query<{ points: string | null; distance_m: number | null; max_speed_mps: number | null }>(
        `SELECT sum(points)::text AS points, sum(distance_m) AS distance_m, max(max_speed_mps) AS max_speed_mps
         FROM locations_1h WHERE tenant_id = $1 AND subject_id = $2 AND bucket >= $3 AND bucket < $4`,
        [principal.tenantId, technicianId, period.from, period.to],
      ),
      this.history(
        `SELECT stream_id, type, occurred_at, data FROM events
         WHERE tenant_id = $1 AND stream_id = $2 AND type LIKE 'technician.%' AND occurred_at < $3 ORDER BY stream_position`,
        [principal.tenantId, technicianId, period.to],
      ),
      // Jobs this technician arrived at up to two days before the period: long visits span midnight.
      this.history(
        `SELECT stream_id, type, occurred_at, data FROM events
         WHERE tenant_id = $1 AND type LIKE 'job.%' AND occurred_at < $4 AND stream_id IN (
           SELECT DISTINCT stream_id FROM events WHERE tenant_id = $1 AND type = 'job.arrived' AND data->>'technicianId' = $2
             AND occurred_at >= $3::timestamptz - interval '2 days' AND occurred_at < $4)
         ORDER BY stream_id, stream_position`,
        [principal.tenantId, technicianId, period.from, period.to],
      ),
    ]);
    const visits = siteVisits(jobEvents, technicianId, period, now);
    const d = distance.rows[0];
    return {
      technicianId,
      date,
      points: Number(d?.points ?? 0),
      distanceM: Math.round(d?.distance_m ?? 0),
      maxSpeedMps: d?.max_speed_mps ?? null,
      onShiftSeconds: shiftSeconds(technicianEvents, period, now),
      onSiteSeconds: visits.reduce((sum, v) => sum + v.seconds, 0),
      visits,
    };
  }

  /** Available technicians with the skills, nearest first by their live position, with distance and ETA. */
  async nearest(principal: Principal, point: { lat: number; lon: number }, skills: string[], limit: number, radiusM: number, maxAgeS: number): Promise<Candidate[]> {
    const now = this.clock.now().getTime();
    const near = await this.live.near(principal.tenantId, point, radiusM, Math.max(200, limit * 10));
    if (near.length === 0) return [];
    const ids = near.map((n) => n.subjectId);
    const [{ rows }, positions] = await Promise.all([
      this.db.query<{ technician_id: string; name: string; skills: string[] }>(
        'SELECT technician_id, name, skills FROM technicians_view WHERE tenant_id = $1 AND technician_id = ANY($2) AND available',
        [principal.tenantId, ids],
      ),
      this.live.positions(principal.tenantId, ids),
    ]);
    const technicians = new Map(rows.map((r) => [r.technician_id, r]));
    const positionOf = new Map(positions.map((p) => [p.subjectId, p]));
    const candidates: Candidate[] = [];
    for (const { subjectId, distanceM } of near) {
      const technician = technicians.get(subjectId);
      const position = positionOf.get(subjectId);
      if (!technician || !position || now - position.at > maxAgeS * 1000) continue;
      if (!hasRequiredSkills(technician.skills, skills)) continue;
      candidates.push({
        technicianId: subjectId,
        name: technician.name,
        skills: technician.skills,
        distanceM: Math.round(distanceM),
        etaS: etaSeconds(position, point, position.speedMps, this.options.eta),
        position: { lat: position.lat, lon: position.lon, at: new Date(position.at).toISOString() },
      });
      if (candidates.length === limit) break;
    }
    return candidates;
  }

  async nearestForJob(principal: Principal, jobId: string, limit: number, radiusM: number, maxAgeS: number): Promise<Candidate[]> {
    if (principal.role === 'technician') throw problem(404, 'job-not-found', 'Not Found', `no job ${jobId}`, { code: 'JOB_NOT_FOUND' });
    const { rows } = await this.db.query<{ lat: number | null; lon: number | null; required_skills: string[] }>(
      'SELECT lat, lon, required_skills FROM jobs_view WHERE tenant_id = $1 AND job_id = $2',
      [principal.tenantId, jobId],
    );
    const job = rows[0];
    if (!job) throw problem(404, 'job-not-found', 'Not Found', `no job ${jobId}`, { code: 'JOB_NOT_FOUND' });
    if (job.lat === null || job.lon === null) {
      throw problem(422, 'job-without-location', 'Unprocessable Content', `job ${jobId} has no location; give it one or search from a point (GET /tracking/nearest)`, { code: 'JOB_WITHOUT_LOCATION' });
    }
    return this.nearest(principal, { lat: job.lat, lon: job.lon }, job.required_skills, limit, radiusM, maxAgeS);
  }

  /**
   * A live board (jobs, technicians, positions, presence) with the feed id it is consistent with:
   * load it, then follow the feed after that id. A technician gets only what concerns them.
   */
  async board(principal: Principal, which: 'jobs' | 'technicians' | 'positions' | 'presence'): Promise<{ feedId: string; items: unknown[] }> {
    const snapshot = await this.live.snapshot<Record<string, unknown>>(principal.tenantId, which);
    const items = snapshot.items.map(({ state: _state, ...rest }) => rest);
    if (principal.role !== 'technician') return { feedId: snapshot.feedId, items };
    const mine = (item: Record<string, unknown>) =>
      [item.technicianId, item.subjectId].includes(principal.technicianId);
    return { feedId: snapshot.feedId, items: items.filter(mine) };
  }

  async feed(principal: Principal, after: string, limit: number): Promise<{ entries: FeedEntry[]; next: string }> {
    const read = await this.live.readFeed(principal.tenantId, after, limit);
    if (read.gap) {
      throw problem(410, 'feed-gap', 'Gone', `entries after ${after} were trimmed; load a snapshot (GET /board/…) and resume from its feedId`, { code: 'FEED_GAP' });
    }
    const next = read.entries.at(-1)?.id ?? after;
    const entries = principal.role === 'technician' ? read.entries.filter((e) => e.technicianId === principal.technicianId || e.subjectId === principal.technicianId) : read.entries;
    return { entries, next };
  }

  private async visibleTechnician(principal: Principal, technicianId: string): Promise<void> {
    if (principal.role === 'technician' && principal.technicianId !== technicianId) throw notFound(technicianId);
    const { rows } = await this.db.query('SELECT 1 FROM technicians_view WHERE tenant_id = $1 AND technician_id = $2', [principal.tenantId, technicianId]);
    if (rows.length === 0) throw notFound(technicianId);
  }

  private async history(sql: string, values: unknown[]): Promise<HistoryEvent[]> {
    const { rows } = await this.db.query<{ stream_id: string; type: string; occurred_at: Date; data: Record<string, unknown> }>(sql, values);
    return rows.map((r) => ({ streamId: r.stream_id, type: r.type, occurredAt: r.occurred_at, data: r.data }));
  }
}

function checkRange(from: string, to: string): { from: Date; to: Date } {
  const range = { from: new Date(from), to: new Date(to) };
  if (range.from >= range.to) throw problem(400, 'invalid-range', 'Bad Request', '`from` must be before `to`', { code: 'INVALID_RANGE' });
  if (range.to.getTime() - range.from.getTime() > MAX_TRACK_RANGE_MS) {
    throw problem(400, 'invalid-range', 'Bad Request', 'a track covers at most 31 days; ask for several ranges', { code: 'INVALID_RANGE' });
  }
  return range;
}

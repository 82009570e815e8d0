import { Inject, Injectable } from '@nestjs/common';
import { etaSeconds, hasRequiredSkills } from '#libs/domain';
import { type FeedEntry, LiveStateStore } from '#libs/live';
import { Clock, problem } from '#libs/platform';
import { TRACKING_OPTIONS, type TrackingOptions } from '../api.options';
import type { Principal } from '../auth/principal';
import { type SiteVisit, shiftSeconds, siteVisits } from './daily-summary';
import { TrackingError } from './tracking.errors';
import { type TrackPoint, TrackingRepository } from './tracking.repository';

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

/** The live state tracking reads (Redis): positions, boards and the feed. */
export type LiveReads = Pick<LiveStateStore, 'near' | 'positions' | 'snapshot' | 'readFeed'>;

const MAX_TRACK_RANGE_MS = 31 * 86_400_000;

/**
 * Reads over the projector's history (TimescaleDB hypertables and aggregates) and live state
 * (Redis), scoped by tenant; a technician sees only their own.
 */
@Injectable()
export class TrackingService {
  constructor(
    private readonly clock: Clock,
    private readonly repository: TrackingRepository,
    @Inject(LiveStateStore) private readonly live: LiveReads,
    @Inject(TRACKING_OPTIONS) private readonly options: TrackingOptions,
  ) {}

  async track(principal: Principal, technicianId: string, from: string, to: string, maxPoints: number): Promise<Track> {
    await this.visibleTechnician(principal, technicianId);
    const range = checkRange(from, to);
    const total = await this.repository.countFixes(principal.tenantId, technicianId, range);
    // A bucket width that brings the range under maxPoints, in whole seconds.
    const bucketSeconds = total > maxPoints ? Math.ceil((range.to.getTime() - range.from.getTime()) / 1000 / maxPoints) : null;
    const points = await this.repository.fixes(principal.tenantId, technicianId, range, bucketSeconds);
    return { technicianId, from: range.from.toISOString(), to: range.to.toISOString(), bucketSeconds, points };
  }

  async summary(principal: Principal, technicianId: string, date: string): Promise<DailySummary> {
    const now = this.clock.now();
    await this.visibleTechnician(principal, technicianId);
    const from = new Date(`${date}T00:00:00.000Z`);
    if (Number.isNaN(from.getTime()) || from.toISOString().slice(0, 10) !== date) throw TrackingError.invalidDate(date);
    const period = { from, to: new Date(from.getTime() + 86_400_000) };
    const [movement, technicianEvents, jobEvents] = await Promise.all([
      this.repository.movement(principal.tenantId, technicianId, period),
      this.repository.technicianHistory(principal.tenantId, technicianId, period.to),
      this.repository.visitedJobsHistory(principal.tenantId, technicianId, period),
    ]);
    const visits = siteVisits(jobEvents, technicianId, period, now);
    return {
      technicianId,
      date,
      points: movement.points,
      distanceM: Math.round(movement.distanceM),
      maxSpeedMps: movement.maxSpeedMps,
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
    const [available, positions] = await Promise.all([this.repository.availableTechnicians(principal.tenantId, ids), this.live.positions(principal.tenantId, ids)]);
    const technicians = new Map(available.map((t) => [t.technicianId, t]));
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
    if (principal.role === 'technician') throw TrackingError.jobNotFound(jobId);
    const job = await this.repository.jobPlace(principal.tenantId, jobId);
    if (!job) throw TrackingError.jobNotFound(jobId);
    if (job.lat === null || job.lon === null) {
      // A problem, not a TrackingError: this 422 has always been titled "Unprocessable Content", the kinds' 422 is "Unprocessable Entity".
      throw problem(422, 'job-without-location', 'Unprocessable Content', `job ${jobId} has no location; give it one or search from a point (GET /tracking/nearest)`, { code: 'JOB_WITHOUT_LOCATION' });
    }
    return this.nearest(principal, { lat: job.lat, lon: job.lon }, job.requiredSkills, limit, radiusM, maxAgeS);
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
      // 410 Gone: no domain error kind stands for it.
      throw problem(410, 'feed-gap', 'Gone', `entries after ${after} were trimmed; load a snapshot (GET /board/…) and resume from its feedId`, { code: 'FEED_GAP' });
    }
    const next = read.entries.at(-1)?.id ?? after;
    const entries = principal.role === 'technician' ? read.entries.filter((e) => e.technicianId === principal.technicianId || e.subjectId === principal.technicianId) : read.entries;
    return { entries, next };
  }

  private async visibleTechnician(principal: Principal, technicianId: string): Promise<void> {
    if (principal.role === 'technician' && principal.technicianId !== technicianId) throw TrackingError.technicianNotFound(technicianId);
    if (!(await this.repository.technicianExists(principal.tenantId, technicianId))) throw TrackingError.technicianNotFound(technicianId);
  }
}

function checkRange(from: string, to: string): { from: Date; to: Date } {
  const range = { from: new Date(from), to: new Date(to) };
  if (range.from >= range.to) throw TrackingError.invalidRange('`from` must be before `to`');
  if (range.to.getTime() - range.from.getTime() > MAX_TRACK_RANGE_MS) {
    throw TrackingError.invalidRange('a track covers at most 31 days; ask for several ranges');
  }
  return range;
}

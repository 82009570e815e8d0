import { Inject, Injectable } from '@nestjs/common';
import {
  type EtaConfig,
  etaChanged,
  etaSeconds,
  type FenceShape,
  type FenceState,
  type HysteresisConfig,
  initialFenceState,
  recentSpeed,
  signedDistanceToFenceM,
  stepFence,
} from '#libs/domain';
import {
  derivedEventId,
  type EventData,
  type EventOf,
  type FieldlineEvent,
  keyFor,
  newEnvelope,
  serializeEvent,
  topicFor,
  topics,
  type TrackingEventType,
} from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { LiveStateStore, type NewFeedEntry } from '#libs/live';
import { DatabaseService } from '#libs/timescale';
import { groupBy } from '../runner/group-by';
import type { Projection } from '../runner/projection-runner';

export const DERIVED_OPTIONS = Symbol('DERIVED_OPTIONS');

export interface DerivedOptions {
  fence: HysteresisConfig;
  eta: EtaConfig;
  /** A technician on shift silent this long has lost signal. */
  signalLostAfterMs: number;
  /** Geofences are re-read at least this often (and at once when one changes). */
  fenceCacheMs: number;
}

type Location = EventOf<'telemetry.location_reported'>;

interface Fence {
  geofenceId: string;
  siteId?: string;
  shape: FenceShape;
}

/** Per subject: the geofence hysteresis, the smoothed speed and the last ETA told per job. */
interface TrackingDoc {
  /** Device time of the newest fix folded in (epoch ms). */
  version: number;
  fences: Record<string, FenceState>;
  speedMps?: number;
  etas: Record<string, number>;
}

/** Signal alert per subject; versioned by the last fix time it is about. */
interface SignalDoc {
  version: number;
  lost: boolean;
}

interface EnRouteJob {
  job_id: string;
  technician_id: string;
  site_id: string | null;
  lat: number | null;
  lon: number | null;
}

/**
 * Telemetry and dispatch → derived events on fieldline.derived.v1 and alerts in the feed: geofence
 * enter/exit with hysteresis, an arrival hint when a technician enters the site's fence of a job
 * they are en route to, ETA updates for en-route jobs, and signal lost/restored for technicians on
 * shift. Events get ids derived from their cause and go to Kafka before the state that records
 * them, so a crash re-sends the same ids (consumers drop them) and never skips one.
 */
@Injectable()
export class DerivedProjection implements Projection {
  readonly name = 'derived';
  readonly topics = [topics.telemetry.name, topics.dispatch.name];
  private readonly fences = new Map<string, { loadedAt: number; fences: Fence[] }>();

  constructor(
    private readonly db: DatabaseService,
    private readonly live: LiveStateStore,
    private readonly kafka: KafkaService,
    @Inject(DERIVED_OPTIONS) private readonly options: DerivedOptions,
  ) {}

  async apply(events: FieldlineEvent[]): Promise<void> {
    for (const e of events) if (e.type.startsWith('geofence.')) this.fences.delete(e.tenantId);
    const locations = events.filter((e): e is Location => e.type === 'telemetry.location_reported');
    for (const [tenantId, tenantLocations] of groupBy(locations, (e) => e.tenantId)) await this.applyTenant(tenantId, tenantLocations);
  }

  private async applyTenant(tenantId: string, locations: Location[]): Promise<void> {
    const fixesOf = groupBy(locations, (e) => e.data.subjectId);
    const subjects = [...fixesOf.keys()];
    const [fences, docs, signals, jobs] = await Promise.all([
      this.fencesOf(tenantId),
      this.live.getDocs<TrackingDoc>(tenantId, 'tracking', subjects),
      this.live.getDocs<SignalDoc>(tenantId, 'alerts', subjects),
      this.db.query<EnRouteJob>(
        `SELECT job_id, technician_id, site_id, lat, lon FROM jobs_view
         WHERE tenant_id = $1 AND technician_id = ANY($2) AND status = 'en_route'`,
        [tenantId, subjects],
      ),
    ]);
    const jobsOf = groupBy(jobs.rows, (job) => job.technician_id);

    const emitted: FieldlineEvent[] = [];
    const writes: (() => Promise<unknown>)[] = [];
    for (const subjectId of subjects) {
      const before = docs.get(subjectId);
      const doc: TrackingDoc = before ? structuredClone(before) : { version: 0, fences: {}, etas: {} };
      const signal = signals.get(subjectId);
      const subjectEvents: FieldlineEvent[] = [];
      let newest: Location | undefined;
      for (const fix of fixesOf.get(subjectId)!) {
        const at = Date.parse(fix.occurredAt);
        if (at <= doc.version) continue; // late or already folded in (replay)
        doc.version = at;
        newest = fix;
        subjectEvents.push(...this.stepFences(tenantId, doc, fix, at, fences, jobsOf.get(subjectId) ?? []));
        doc.speedMps = recentSpeed(doc.speedMps, fix.data.speedMps);
      }
      if (!newest) continue;
      subjectEvents.push(...this.updateEtas(tenantId, doc, newest, jobsOf.get(subjectId) ?? []));
      const newestAt = Date.parse(newest.occurredAt);
      if (signal?.lost && newestAt > signal.version) {
        subjectEvents.push(
          this.event(tenantId, 'tracking.signal_restored', { subjectId, silentForS: Math.round((newestAt - signal.version) / 1000) }, newest, newestAt, 'restored'),
        );
        writes.push(() => this.live.applyVersioned(tenantId, 'alerts', subjectId, signalDoc(newestAt, false)));
      }
      emitted.push(...subjectEvents);
      writes.unshift(() => this.live.applyVersioned(tenantId, 'tracking', subjectId, doc, subjectEvents.map(toFeedEntry)));
    }
    await this.publish(emitted);
    await Promise.all(writes.map((write) => write()));
  }

  private stepFences(tenantId: string, doc: TrackingDoc, fix: Location, at: number, fences: Fence[], jobs: EnRouteJob[]): FieldlineEvent[] {
    const out: FieldlineEvent[] = [];
    const subjectId = fix.data.subjectId;
    for (const fence of fences) {
      const step = stepFence(
        doc.fences[fence.geofenceId] ?? initialFenceState,
        { at, signedDistanceM: signedDistanceToFenceM(fix.data, fence.shape), ...(fix.data.accuracyM === undefined ? {} : { accuracyM: fix.data.accuracyM }) },
        this.options.fence,
      );
      doc.fences[fence.geofenceId] = step.state;
      if (!step.transition) continue;
      const { kind, at: since } = step.transition;
      const position = { lat: fix.data.lat, lon: fix.data.lon };
      const data = { subjectId, geofenceId: fence.geofenceId, ...(fence.siteId ? { siteId: fence.siteId } : {}), position };
      out.push(this.event(tenantId, kind === 'entered' ? 'tracking.geofence_entered' : 'tracking.geofence_exited', data, fix, since, fence.geofenceId));
      if (kind === 'entered' && fence.siteId) {
        for (const job of jobs.filter((j) => j.site_id === fence.siteId)) {
          out.push(
            this.event(tenantId, 'tracking.arrival_detected', { subjectId, jobId: job.job_id, siteId: fence.siteId, geofenceId: fence.geofenceId }, fix, since, job.job_id),
          );
        }
      }
    }
    return out;
  }

  private updateEtas(tenantId: string, doc: TrackingDoc, fix: Location, jobs: EnRouteJob[]): FieldlineEvent[] {
    const out: FieldlineEvent[] = [];
    const at = Date.parse(fix.occurredAt);
    const etas: Record<string, number> = {};
    for (const job of jobs) {
      if (job.lat === null || job.lon === null) continue;
      const etaS = etaSeconds(fix.data, { lat: job.lat, lon: job.lon }, doc.speedMps, this.options.eta);
      etas[job.job_id] = doc.etas[job.job_id] ?? etaS;
      if (!etaChanged(doc.etas[job.job_id], etaS)) continue;
      etas[job.job_id] = etaS;
      const distanceM = Math.round(etaS * Math.max(doc.speedMps ?? 0, this.options.eta.minSpeedMps));
      out.push(
        this.event(
          tenantId,
          'tracking.eta_updated',
          { subjectId: fix.data.subjectId, jobId: job.job_id, etaS, distanceM, arriveBy: new Date(at + etaS * 1000).toISOString() },
          fix,
          at,
          job.job_id,
        ),
      );
    }
    doc.etas = etas; // jobs no longer en route drop out
    return out;
  }

  /** Technicians on shift whose last fix is older than the limit: signal lost, once per last fix. */
  async sweepSignals(now = Date.now()): Promise<number> {
    const { rows } = await this.db.query<{ tenant_id: string; technician_id: string }>(
      "SELECT tenant_id, technician_id FROM technicians_view WHERE status = 'on_shift'",
    );
    let lost = 0;
    for (const [tenantId, onShift] of groupBy(rows, (r) => r.tenant_id)) {
      const technicianIds = onShift.map((r) => r.technician_id);
      const [tracked, signals] = await Promise.all([
        this.live.getDocs<TrackingDoc>(tenantId, 'tracking', technicianIds),
        this.live.getDocs<SignalDoc>(tenantId, 'alerts', technicianIds),
      ]);
      for (const [subjectId, { version: lastFixAt }] of tracked) {
        if (now - lastFixAt < this.options.signalLostAfterMs) continue;
        const signal = signals.get(subjectId);
        if (signal && signal.version >= lastFixAt) continue;
        const event = this.event(tenantId, 'tracking.signal_lost', { subjectId, lastFixAt: new Date(lastFixAt).toISOString() }, undefined, lastFixAt, 'lost');
        await this.publish([event]);
        if (await this.live.applyVersioned(tenantId, 'alerts', subjectId, signalDoc(lastFixAt, true), toFeedEntry(event))) lost++;
      }
    }
    return lost;
  }

  private event<T extends TrackingEventType>(tenantId: string, type: T, data: EventData<T>, cause: Location | undefined, atMs: number, discriminator: string): FieldlineEvent {
    const subjectId = (data as { subjectId: string }).subjectId;
    return newEnvelope(
      {
        type,
        data,
        tenantId,
        streamId: subjectId,
        occurredAt: new Date(atMs),
        actor: { kind: 'system', id: 'projector' },
        ...(cause ? { correlationId: cause.correlationId, causationId: cause.id } : {}),
      },
      { newId: () => derivedEventId(atMs, tenantId, subjectId, type, discriminator) },
    ) as FieldlineEvent;
  }

  private async publish(events: FieldlineEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.kafka.send(
      events.map((e) => ({ topic: topicFor(e), key: keyFor(e), value: serializeEvent(e), headers: { 'tenant-id': e.tenantId, 'event-type': e.type } })),
    );
  }

  private async fencesOf(tenantId: string): Promise<Fence[]> {
    const cached = this.fences.get(tenantId);
    if (cached && Date.now() - cached.loadedAt < this.options.fenceCacheMs) return cached.fences;
    const { rows } = await this.db.query<{ place_id: string; parent_id: string | null; data: { shape: FenceShape } }>(
      "SELECT place_id, parent_id, data FROM places_view WHERE tenant_id = $1 AND family = 'geofence' AND status = 'active'",
      [tenantId],
    );
    const fences = rows.map((r) => ({ geofenceId: r.place_id, ...(r.parent_id ? { siteId: r.parent_id } : {}), shape: r.data.shape }));
    this.fences.set(tenantId, { loadedAt: Date.now(), fences });
    return fences;
  }
}

const signalDoc = (version: number, lost: boolean): SignalDoc => ({ version, lost });

function toFeedEntry(e: FieldlineEvent): NewFeedEntry {
  const data = e.data as { subjectId: string };
  return { kind: 'alert', type: e.type, subjectId: data.subjectId, technicianId: data.subjectId, data: { id: e.id, occurredAt: e.occurredAt, ...e.data } };
}

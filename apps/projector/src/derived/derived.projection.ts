import { Inject, Injectable } from '@nestjs/common';
import { etaChanged, etaSeconds, initialFenceState, recentSpeed, signedDistanceToFenceM, stepFence } from '#libs/domain';
import { derivedEventId, type EventData, type EventOf, type FieldlineEvent, newEnvelope, topics, type TrackingEventType } from '#libs/events';
import type { NewFeedEntry } from '#libs/live';
import { Clock } from '#libs/platform';
import { groupBy } from '../runner/group-by.util';
import type { KafkaEventsExtras } from '#libs/kafka';
import type { Projection } from '../projection';
import { DerivedEventsPublisher } from './derived-events.publisher';
import { DERIVED_OPTIONS, type DerivedOptions } from './derived.options';
import { DispatchViewsRepository, type EnRouteJob, type Fence } from './dispatch-views.repository';
import { type SignalDoc, type TrackingDoc, TrackingStateStore } from './tracking-state.store';

type Location = EventOf<'telemetry.location_reported'>;

/**
 * Telemetry and dispatch → derived events on fieldline.derived.v1 and alerts in the feed: geofence
 * enter/exit with hysteresis, an arrival hint when a technician enters the site's fence of a job
 * they are en route to, ETA updates for en-route jobs, and signal lost/restored for technicians on
 * shift. Events get ids derived from their cause and go to Kafka before the state that records
 * them, so a crash re-sends the same ids (consumers drop them) and never skips one.
 */
// Geofences, arrival hints and ETAs tolerate 100 ms more; fuller batches cost less per fix.
export const DERIVED_CONSUMER: KafkaEventsExtras = { topics: [topics.telemetry.name, topics.dispatch.name], fetch: { minBytes: 256 * 1024, maxWaitTimeInMs: 100 } };

@Injectable()
export class DerivedProjection implements Projection {  private readonly fences = new Map<string, { loadedAt: number; fences: Fence[] }>();

  constructor(
    private readonly views: DispatchViewsRepository,
    private readonly state: TrackingStateStore,
    private readonly publisher: DerivedEventsPublisher,
    private readonly clock: Clock,
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
      this.state.trackingDocs(tenantId, subjects),
      this.state.signalDocs(tenantId, subjects),
      this.views.enRouteJobs(tenantId, subjects),
    ]);
    const jobsOf = groupBy(jobs, (job) => job.technicianId);

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
        writes.push(() => this.state.saveSignal(tenantId, subjectId, signalDoc(newestAt, false)));
      }
      emitted.push(...subjectEvents);
      writes.unshift(() => this.state.saveTracking(tenantId, subjectId, doc, subjectEvents.map(toFeedEntry)));
    }
    await this.publisher.publish(emitted);
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
        for (const job of jobs.filter((j) => j.siteId === fence.siteId)) {
          out.push(
            this.event(tenantId, 'tracking.arrival_detected', { subjectId, jobId: job.jobId, siteId: fence.siteId, geofenceId: fence.geofenceId }, fix, since, job.jobId),
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
      etas[job.jobId] = doc.etas[job.jobId] ?? etaS;
      if (!etaChanged(doc.etas[job.jobId], etaS)) continue;
      etas[job.jobId] = etaS;
      const distanceM = Math.round(etaS * Math.max(doc.speedMps ?? 0, this.options.eta.minSpeedMps));
      out.push(
        this.event(
          tenantId,
          'tracking.eta_updated',
          { subjectId: fix.data.subjectId, jobId: job.jobId, etaS, distanceM, arriveBy: new Date(at + etaS * 1000).toISOString() },
          fix,
          at,
          job.jobId,
        ),
      );
    }
    doc.etas = etas; // jobs no longer en route drop out
    return out;
  }

  /** Technicians on shift whose last fix is older than the limit (by the clock): signal lost, once per last fix. */
  async sweepSignals(): Promise<number> {
    const now = this.clock.now().getTime();
    const onShift = await this.views.techniciansOnShift();
    let lost = 0;
    for (const [tenantId, technicians] of groupBy(onShift, (t) => t.tenantId)) {
      const technicianIds = technicians.map((t) => t.technicianId);
      const [tracked, signals] = await Promise.all([this.state.trackingDocs(tenantId, technicianIds), this.state.signalDocs(tenantId, technicianIds)]);
      for (const [subjectId, { version: lastFixAt }] of tracked) {
        if (now - lastFixAt < this.options.signalLostAfterMs) continue;
        const signal = signals.get(subjectId);
        if (signal && signal.version >= lastFixAt) continue;
        const event = this.event(tenantId, 'tracking.signal_lost', { subjectId, lastFixAt: new Date(lastFixAt).toISOString() }, undefined, lastFixAt, 'lost');
        await this.publisher.publish([event]);
        if (await this.state.saveSignal(tenantId, subjectId, signalDoc(lastFixAt, true), toFeedEntry(event))) lost++;
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
      { newId: () => derivedEventId(atMs, tenantId, subjectId, type, discriminator), clock: () => this.clock.now() },
    ) as FieldlineEvent;
  }

  private async fencesOf(tenantId: string): Promise<Fence[]> {
    const cached = this.fences.get(tenantId);
    const now = this.clock.now().getTime();
    if (cached && now - cached.loadedAt < this.options.fenceCacheMs) return cached.fences;
    const fences = await this.views.activeGeofences(tenantId);
    this.fences.set(tenantId, { loadedAt: this.clock.now().getTime(), fences });
    return fences;
  }
}

const signalDoc = (version: number, lost: boolean): SignalDoc => ({ version, lost });

function toFeedEntry(e: FieldlineEvent): NewFeedEntry {
  const data = e.data as { subjectId: string };
  return { kind: 'alert', type: e.type, subjectId: data.subjectId, technicianId: data.subjectId, data: { id: e.id, occurredAt: e.occurredAt, ...e.data } };
}

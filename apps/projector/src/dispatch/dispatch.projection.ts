import { Injectable } from '@nestjs/common';
import { type EventOf, type FieldlineEvent, type JobEventType, type TechnicianEventType, topics } from '#libs/events';
import { LiveStateStore } from '#libs/live';
import type { Projection } from '../runner/projection-runner';
import { evolveJobEntry, evolveTechnicianEntry, type JobBoardEntry, type TechnicianBoardEntry } from './dispatch-board';

type JobEvent = EventOf<JobEventType>;
type TechnicianEvent = EventOf<TechnicianEventType>;

const isJob = (e: FieldlineEvent): e is JobEvent => e.type.startsWith('job.');
const isTechnician = (e: FieldlineEvent): e is TechnicianEvent => e.type.startsWith('technician.');

/** What a screen needs of the event itself, beside the entry it changed. */
const eventSummary = (e: FieldlineEvent) => ({ id: e.id, type: e.type, occurredAt: e.occurredAt, actor: e.actor, data: e.data });

const withoutState = <T extends { state: unknown }>({ state: _state, ...rest }: T) => rest;

/**
 * Job and technician events → the live job board and technician status in Redis, each change with
 * its feed entry, in stream order. The API keeps its own read tables (jobs_view, technicians_view)
 * in the append's transaction, because assignment checks must read what was just written; this
 * board is what screens load and follow. Versioned by stream position: a replay changes nothing.
 */
@Injectable()
export class DispatchProjection implements Projection {
  readonly name = 'dispatch';
  readonly topics = [topics.dispatch.name];

  constructor(private readonly live: LiveStateStore) {}

  async apply(events: FieldlineEvent[]): Promise<void> {
    const byTenant = new Map<string, FieldlineEvent[]>();
    for (const e of events) if (isJob(e) || isTechnician(e)) byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e]);
    await Promise.all([...byTenant].map(([tenantId, tenantEvents]) => this.applyTenant(tenantId, tenantEvents)));
  }

  private async applyTenant(tenantId: string, events: FieldlineEvent[]): Promise<void> {
    const jobs = await this.live.getDocs<JobBoardEntry>(tenantId, 'jobs', [...new Set(events.filter(isJob).map((e) => e.streamId))]);
    const technicians = await this.live.getDocs<TechnicianBoardEntry>(tenantId, 'technicians', [...new Set(events.filter(isTechnician).map((e) => e.streamId))]);
    const writes: Promise<unknown>[] = [];
    // Commands go out in event order on one connection, so Redis applies them in that order.
    for (const e of events) {
      if (isJob(e)) {
        const previous = jobs.get(e.streamId);
        const next = evolveJobEntry(previous, e);
        if (!next) continue;
        jobs.set(e.streamId, next);
        const formerTechnician = previous?.technicianId !== next.technicianId ? previous?.technicianId : undefined;
        writes.push(
          this.live.applyVersioned(tenantId, 'jobs', e.streamId, next, {
            kind: 'job',
            type: e.type,
            subjectId: e.streamId,
            ...(next.technicianId || formerTechnician ? { technicianId: next.technicianId ?? formerTechnician } : {}),
            data: { event: eventSummary(e), job: withoutState(next), ...(formerTechnician ? { formerTechnicianId: formerTechnician } : {}) },
          }),
        );
      } else if (isTechnician(e)) {
        const next = evolveTechnicianEntry(technicians.get(e.streamId), e);
        if (!next) continue;
        technicians.set(e.streamId, next);
        writes.push(
          this.live.applyVersioned(tenantId, 'technicians', e.streamId, next, {
            kind: 'technician',
            type: e.type,
            subjectId: e.streamId,
            technicianId: e.streamId,
            data: { event: eventSummary(e), technician: withoutState(next) },
          }),
        );
      }
    }
    await Promise.all(writes);
  }
}

import { Injectable } from '@nestjs/common';
import { type CallEventType, type ChatEventType, type EventOf, type FieldlineEvent, type JobEventType, type TechnicianEventType, topics } from '#libs/events';
import { LiveStateStore } from '#libs/live';
import { DatabaseService } from '#libs/timescale';
import { groupBy } from '../runner/group-by.util';
import type { KafkaEventsExtras } from '#libs/kafka';
import type { Projection } from '../projection';
import { evolveJobEntry, evolveTechnicianEntry, type JobBoardEntry, type TechnicianBoardEntry } from './dispatch-board.state';

type JobEvent = EventOf<JobEventType>;
type TechnicianEvent = EventOf<TechnicianEventType>;

type ChatEvent = EventOf<ChatEventType>;
type CallEvent = EventOf<CallEventType>;

const isJob = (e: FieldlineEvent): e is JobEvent => e.type.startsWith('job.');
const isChat = (e: FieldlineEvent): e is ChatEvent => e.type.startsWith('chat.');
const isTechnician = (e: FieldlineEvent): e is TechnicianEvent => e.type.startsWith('technician.');
const isCall = (e: FieldlineEvent): e is CallEvent => e.type.startsWith('call.');

/** What the feed keeps of a call to address its later events: who was invited, about which job. */
interface CallDoc {
  version: number;
  technicianIds: string[];
  jobId?: string;
}

/** What a screen needs of the event itself, beside the entry it changed. */
const eventSummary = (e: FieldlineEvent) => ({ id: e.id, type: e.type, occurredAt: e.occurredAt, actor: e.actor, data: e.data });

const withoutState = <T extends { state: unknown }>({ state: _state, ...rest }: T) => rest;

/**
 * Job and technician events → the live job board and technician status in Redis, each change with
 * its feed entry, in stream order. The API keeps its own read tables (jobs_view, technicians_view)
 * in the append's transaction, because assignment checks must read what was just written; this
 * board is what screens load and follow. Versioned by stream position: a replay changes nothing.
 * Job chat (chat.*) goes to the feed for the job's technician and dispatchers, and messages to
 * chat_messages for the thread's history. Calls (call.*, from apps/media) go to the feed once per
 * invited technician, so an invitation rings on every screen of each (any node, after a reconnect
 * too) and its end stops the ringing; dispatchers see them all, with the job they are about.
 */
export const DISPATCH_CONSUMER: KafkaEventsExtras = { topics: [topics.dispatch.name, topics.media.name] };

@Injectable()
export class DispatchProjection implements Projection {
  constructor(
    private readonly live: LiveStateStore,
    private readonly db: DatabaseService,
  ) {}

  async apply(events: FieldlineEvent[]): Promise<void> {
    const byTenant = groupBy(events.filter((e) => isJob(e) || isTechnician(e) || isChat(e) || isCall(e)), (e) => e.tenantId);
    await this.storeMessages(events.filter((e): e is EventOf<'chat.message_posted'> => e.type === 'chat.message_posted'));
    await Promise.all([...byTenant].map(([tenantId, tenantEvents]) => this.applyTenant(tenantId, tenantEvents)));
  }

  private async applyTenant(tenantId: string, events: FieldlineEvent[]): Promise<void> {
    const jobIds = events.map((e) => (isJob(e) ? e.streamId : isChat(e) ? e.data.jobId : undefined)).filter((id): id is string => id !== undefined);
    const jobs = await this.live.getDocs<JobBoardEntry>(tenantId, 'jobs', [...new Set(jobIds)]);
    const technicians = await this.live.getDocs<TechnicianBoardEntry>(tenantId, 'technicians', [...new Set(events.filter(isTechnician).map((e) => e.streamId))]);
    const calls = await this.live.getDocs<CallDoc>(tenantId, 'calls', [...new Set(events.filter(isCall).map((e) => `call|${e.data.callId}`))]);
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
      } else if (isCall(e)) {
        writes.push(...this.applyCall(tenantId, e, calls));
      } else if (isChat(e)) {
        writes.push(this.applyChat(tenantId, e, jobs.get(e.data.jobId)?.technicianId));
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

  /** One feed entry per invited technician (each entry once, by event id); the invitees are kept from the invitation on. */
  private applyCall(tenantId: string, e: CallEvent, calls: Map<string, CallDoc>): Promise<unknown>[] {
    const key = `call|${e.data.callId}`;
    const writes: Promise<unknown>[] = [];
    if (e.type === 'call.invited') {
      const doc: CallDoc = { version: Date.parse(e.occurredAt), technicianIds: e.data.technicianIds, ...(e.data.jobId ? { jobId: e.data.jobId } : {}) };
      calls.set(key, doc);
      writes.push(this.live.applyVersioned(tenantId, 'calls', key, doc));
    }
    const doc = calls.get(key);
    // Addressed by the event alone (and the invitation before it), never by what later events stored:
    // a replay, or a second projector, writes exactly the same entries.
    const about =
      e.type === 'call.created' ? [] : e.type === 'call.invited' ? e.data.technicianIds : 'technicianId' in e.data && e.data.technicianId ? [e.data.technicianId] : (doc?.technicianIds ?? []);
    const jobId = ('jobId' in e.data ? e.data.jobId : undefined) ?? doc?.jobId;
    const data = { id: e.id, occurredAt: e.occurredAt, ...(jobId ? { jobId } : {}), ...e.data };
    for (const technicianId of about.length ? about : [undefined]) {
      writes.push(
        this.live.applyVersioned(tenantId, 'calls', `${e.id}|${technicianId ?? ''}`, { version: 1 }, {
          kind: 'call',
          type: e.type,
          subjectId: e.data.callId,
          ...(technicianId ? { technicianId } : {}),
          data,
        }),
      );
    }
    return writes;
  }

  /** A message or receipt enters the feed once: messages by id, receipts by (kind, job, user) and time. */
  private applyChat(tenantId: string, e: ChatEvent, technicianId: string | undefined): Promise<unknown> {
    const posted = e.type === 'chat.message_posted';
    const field = posted ? `msg|${e.data.messageId}` : `${e.type}|${e.data.jobId}|${e.data.userId}`;
    return this.live.applyVersioned(tenantId, 'chat', field, { version: posted ? 1 : Date.parse(e.occurredAt) }, {
      kind: 'chat',
      type: e.type,
      subjectId: e.data.jobId,
      ...(technicianId ? { technicianId } : {}),
      data: { id: e.id, occurredAt: e.occurredAt, ...e.data },
    });
  }

  private async storeMessages(posted: EventOf<'chat.message_posted'>[]): Promise<void> {
    if (posted.length === 0) return;
    const rows = posted.map((e) => [e.tenantId, e.data.jobId, e.data.messageId, e.data.authorId, e.data.authorRole, e.data.text, e.occurredAt]);
    await this.db.query(
      `INSERT INTO chat_messages (tenant_id, job_id, message_id, author_id, author_role, text, posted_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
       ON CONFLICT DO NOTHING`,
      Array.from({ length: 7 }, (_, i) => rows.map((r) => r[i])),
    );
  }
}

import { Injectable } from '@nestjs/common';
import { newEventId as uuidv7 } from '#libs/events'; // UUIDv7 from a pooled random source (the uuid package draws per id)
import { checkAssignment, fold, type Job, type JobCommand, type JobDomainEvent, jobDecider, termsOf } from '#libs/domain';
import { CommandHandler, EventStore, type Session } from '#libs/event-store';
import { Clock, type Problem } from '#libs/platform';
import type { Principal } from '../auth/principal';
import { CursorError } from '../common/pagination';
import { commandContext } from '../common/request-context';
import { toProblem } from '../common/api-problems';
import type { CreateJobDto, ListJobsQuery } from './dto/jobs.dto';
import { JobsError } from './jobs.errors';
import { jobViewWrite } from './jobs.projection';
import { JobsRepository } from './jobs.repository';
import { type JobView, type JobViewRow, toJobView } from './jobs.view';

export type DataOf<T extends JobCommand['type']> = Extract<JobCommand, { type: T }>['data'];

export interface CallInfo {
  principal: Principal;
  correlationId?: string;
  ifMatch?: number;
}

@Injectable()
export class JobsService {
  constructor(
    private readonly clock: Clock,
    private readonly handler: CommandHandler,
    private readonly store: EventStore,
    private readonly jobs: JobsRepository,
  ) {}

  async create(call: CallInfo, data: CreateJobDto): Promise<JobView> {
    const jobId = `job_${uuidv7()}`;
    return this.execute(call, jobId, 'CreateJob', { ...data, location: data.location && { ...data.location }, window: data.window && { ...data.window } });
  }

  /** Any job command; assignment commands also check the technician (skills, bookings) in the same transaction. */
  async execute<T extends JobCommand['type']>(call: CallInfo, jobId: string, type: T, data: DataOf<T>): Promise<JobView> {
    const { principal } = call;
    if (type !== 'CreateJob') await this.visible(principal, jobId); // technicians only see their jobs
    const command = { type, data, context: commandContext(this.clock, principal, call.correlationId) } as JobCommand;
    const technicianId = type === 'AssignJob' || type === 'ReassignJob' ? (data as { technicianId: string }).technicianId : undefined;
    const { projected } = await this.handler.handle<Job, JobCommand, JobDomainEvent, JobViewRow>({
      tenantId: principal.tenantId,
      streamId: jobId,
      decider: jobDecider,
      command,
      expectedVersion: call.ifMatch,
      fresh: type === 'CreateJob', // create() mints the id
      check: technicianId ? (session, job) => this.checkTechnician(session, principal.tenantId, jobId, job, technicianId) : undefined,
      projection: (events, job, version) => {
        const write = jobViewWrite(principal.tenantId, jobId, events, job, version);
        return write && this.jobs.projection(write);
      },
    });
    // the job as this command left it (a later read could show a concurrent command's version instead)
    return projected ? toJobView(projected) : this.get(principal, jobId);
  }

  /**
   * Decides without appending: throws what execute would refuse now. For work that must come before the
   * append and is wasted on a refusal (storing an upload); execute decides again, so a change in between
   * is still caught.
   */
  async precheck<T extends JobCommand['type']>(call: CallInfo, jobId: string, type: T, data: DataOf<T>): Promise<void> {
    await this.get(call.principal, jobId);
    const { events } = await this.store.readStream(call.principal.tenantId, jobId);
    const command = { type, data, context: commandContext(this.clock, call.principal, call.correlationId) } as JobCommand;
    jobDecider.decide(command, fold(jobDecider, events as unknown as JobDomainEvent[]));
  }

  /**
   * Many assignments, each its own command and transaction, in the order given (a later one sees the
   * bookings of the earlier ones). Each item reports what happened to it; none claims success that
   * did not commit.
   */
  async bulkAssign(call: CallInfo, assignments: { jobId: string; technicianId: string; expectedVersion?: number }[]) {
    const results: { jobId: string; status: number; job?: JobView; problem?: Problem }[] = [];
    for (const item of assignments) {
      try {
        const job = await this.execute({ ...call, ifMatch: item.expectedVersion }, item.jobId, 'AssignJob', { technicianId: item.technicianId });
        results.push({ jobId: item.jobId, status: 200, job });
      } catch (error) {
        const { problem } = toProblem(error, `/jobs/${item.jobId}/assign`);
        if (problem.status >= 500) throw error; // not a refusal: let the filter log it and answer 500
        results.push({ jobId: item.jobId, status: problem.status, problem });
      }
    }
    return results;
  }

  async get(principal: Principal, jobId: string): Promise<JobView> {
    const row = await this.jobs.find(principal.tenantId, jobId);
    if (!row || !this.maySee(principal, row)) throw JobsError.notFound(jobId);
    return toJobView(row);
  }

  async history(principal: Principal, jobId: string) {
    await this.visible(principal, jobId);
    const { events, version } = await this.store.readStream(principal.tenantId, jobId);
    if (version === 0) throw JobsError.notFound(jobId); // unknown here, or another tenant's: the same answer
    return { jobId, version, events };
  }

  async chat(principal: Principal, jobId: string, limit: number, cursor?: string) {
    await this.get(principal, jobId); // unknown, another tenant's, or not this technician's: 404
    const { rows, nextCursor } = await this.jobs.chat(principal.tenantId, jobId, limit, cursor);
    return {
      items: rows.map((r) => ({ messageId: r.message_id, authorId: r.author_id, authorRole: r.author_role, text: r.text, postedAt: r.posted_at.toISOString() })),
      nextCursor,
    };
  }

  /** Keyset pages over (sort column, job id): stable under concurrent inserts. */
  async list(principal: Principal, query: ListJobsQuery): Promise<{ items: JobView[]; nextCursor: string | null }> {
    const sort = query.sort ?? 'created_at';
    const limit = query.limit ?? 50;
    const rows = await this.jobs.list(principal.tenantId, {
      technicianId: principal.role === 'technician' ? (principal.technicianId ?? '') : query.technicianId,
      status: query.status,
      priority: query.priority,
      sort,
      order: query.order ?? 'asc',
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor(last[sort]?.toISOString() ?? 'infinity', last.job_id) : null;
    return { items: page.map(toJobView), nextCursor };
  }

  private async visible(principal: Principal, jobId: string): Promise<void> {
    if (principal.role !== 'technician') return; // others get JOB_NOT_FOUND from the decider for unknown ids
    await this.get(principal, jobId);
  }

  private maySee(principal: Principal, row: JobViewRow): boolean {
    return principal.role !== 'technician' || (row.technician_id !== null && row.technician_id === principal.technicianId);
  }

  /** The assignment rules on the technician; returns the append's guard that they still hold. */
  private async checkTechnician(session: Session | undefined, tenantId: string, jobId: string, job: Job, technicianId: string): Promise<unknown> {
    if (job.status === 'initial') return undefined; // the decider refuses it with JOB_NOT_FOUND
    const terms = termsOf(job);
    const { technician, bookings, guard } = await this.jobs.assignmentFacts(tenantId, technicianId, { id: jobId, window: terms.window }, session);
    checkAssignment({ id: jobId, terms }, technicianId, technician, bookings);
    return guard;
  }
}

const encodeCursor = (value: string, id: string) => Buffer.from(JSON.stringify([value, id])).toString('base64url');
function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    const [value, id] = Array.isArray(parsed) ? parsed : [];
    if (typeof value === 'string' && typeof id === 'string' && (value === 'infinity' || !Number.isNaN(Date.parse(value)))) {
      return [value, id];
    }
  } catch {
    // fall through
  }
  throw new CursorError();
}

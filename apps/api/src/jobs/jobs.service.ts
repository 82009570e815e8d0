import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { checkAssignment, type Job, type JobCommand, type JobDomainEvent, jobDecider, type TechnicianStatus, termsOf } from '#libs/domain';
import { Clock, type Problem, problem } from '#libs/platform';
import { DatabaseService, type Queryable, statement } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import { keysetPage } from '../common/pagination';
import { commandContext } from '../common/request-context';
import { toProblem } from '../common/api-problems';
import { CommandHandler } from '../event-store/command-handler.service';
import { EventStore } from '../event-store/event-store.service';
import type { CreateJobDto, ListJobsQuery } from './dto/jobs.dto';
import { projectJob } from './jobs.projection';
import { JOB_VIEW_COLUMNS, type JobView, type JobViewRow, toJobView } from './jobs.view';

const JOB_ROW = statement(`SELECT ${JOB_VIEW_COLUMNS} FROM jobs_view WHERE tenant_id = $1 AND job_id = $2`);
const LOCK_TECHNICIAN = statement('SELECT status, skills FROM technicians_view WHERE tenant_id = $1 AND technician_id = $2 FOR UPDATE');
const BOOKINGS = statement(
  `SELECT job_id, window_start, window_end FROM jobs_view
    WHERE tenant_id = $1 AND technician_id = $2 AND status NOT IN ('completed', 'cancelled') AND job_id <> $3`,
);

export type DataOf<T extends JobCommand['type']> = Extract<JobCommand, { type: T }>['data'];

export interface CallInfo {
  principal: Principal;
  correlationId?: string;
  ifMatch?: number;
}

const notFound = (jobId: string) => problem(404, 'job-not-found', 'Not Found', `no job ${jobId}`, { code: 'JOB_NOT_FOUND' });

@Injectable()
export class JobsService {
  constructor(
    private readonly clock: Clock,
    private readonly handler: CommandHandler,
    private readonly store: EventStore,
    private readonly db: DatabaseService,
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
      check: technicianId ? (tx, job) => this.checkTechnician(tx, principal.tenantId, jobId, job, technicianId) : undefined,
      projection: (events, job, version) => projectJob(principal.tenantId, jobId, events, job, version),
    });
    // the job as this command left it (a later read could show a concurrent command's version instead)
    return projected ? toJobView(projected) : this.get(principal, jobId);
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
    const { rows } = await this.db.query<JobViewRow>(JOB_ROW, [principal.tenantId, jobId]);
    const row = rows[0];
    if (!row || !this.maySee(principal, row)) throw notFound(jobId);
    return toJobView(row);
  }

  async history(principal: Principal, jobId: string) {
    await this.visible(principal, jobId);
    const { events, version } = await this.store.readStream(principal.tenantId, jobId);
    if (version === 0) throw notFound(jobId); // unknown here, or another tenant's: the same answer
    return { jobId, version, events };
  }

  async chat(principal: Principal, jobId: string, limit: number, cursor?: string) {
    await this.get(principal, jobId); // unknown, another tenant's, or not this technician's: 404
    const { rows, nextCursor } = await keysetPage<{ message_id: string; author_id: string; author_role: string; text: string; posted_at: Date }>(this.db, {
      from: 'chat_messages',
      where: ['tenant_id = $1', 'job_id = $2'],
      values: [principal.tenantId, jobId],
      sortKey: `to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
      idColumn: 'message_id',
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return {
      items: rows.map((r) => ({ messageId: r.message_id, authorId: r.author_id, authorRole: r.author_role, text: r.text, postedAt: r.posted_at.toISOString() })),
      nextCursor,
    };
  }

  /** Keyset pagination over (sort column, job id): stable under concurrent inserts, no OFFSET scans. */
  async list(principal: Principal, query: ListJobsQuery): Promise<{ items: JobView[]; nextCursor: string | null }> {
    const sort = query.sort ?? 'created_at';
    const order = query.order ?? 'asc';
    const limit = query.limit ?? 50;
    const where = ['tenant_id = $1'];
    const values: unknown[] = [principal.tenantId];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (principal.role === 'technician') add('technician_id = ?', principal.technicianId ?? '');
    if (query.status) add('status = ?', query.status);
    if (query.technicianId) add('technician_id = ?', query.technicianId);
    if (query.priority) add('priority = ?', query.priority);
    if (query.cursor) {
      const [value, id] = decodeCursor(query.cursor);
      // NULL windows sort last; coalesce keeps the comparison total.
      values.push(value, id);
      where.push(`(coalesce(${sort}, 'infinity'), job_id) ${order === 'asc' ? '>' : '<'} ($${values.length - 1}::timestamptz, $${values.length})`);
    }
    values.push(limit + 1);
    // one text per combination of filters and order: a handful, each prepared once per connection
    const { rows } = await this.db.query<JobViewRow>(
      statement(`SELECT ${JOB_VIEW_COLUMNS} FROM jobs_view WHERE ${where.join(' AND ')}
        ORDER BY coalesce(${sort}, 'infinity') ${order}, job_id ${order} LIMIT $${values.length}`),
      values,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? encodeCursor((last[sort] as Date | null)?.toISOString() ?? 'infinity', last.job_id) : null;
    return { items: page.map(toJobView), nextCursor };
  }

  private async visible(principal: Principal, jobId: string): Promise<void> {
    if (principal.role !== 'technician') return; // others get JOB_NOT_FOUND from the decider for unknown ids
    await this.get(principal, jobId);
  }

  private maySee(principal: Principal, row: JobViewRow): boolean {
    return principal.role !== 'technician' || (row.technician_id !== null && row.technician_id === principal.technicianId);
  }

  private async checkTechnician(tx: Queryable, tenantId: string, jobId: string, job: Job, technicianId: string): Promise<void> {
    if (job.status === 'initial') return; // the decider refuses it with JOB_NOT_FOUND
    // Lock the technician's row: concurrent assignments to one technician are checked one after another.
    // The row is the technician as their last command left it (projected in that command's statement),
    // so it serves the rule without reading their stream.
    const { rows: locked } = await tx.query<{ status: TechnicianStatus; skills: string[] }>(LOCK_TECHNICIAN, [tenantId, technicianId]);
    const technician = locked[0] ?? { status: 'initial' as const };
    const { rows } = await tx.query<{ job_id: string; window_start: Date | null; window_end: Date | null }>(BOOKINGS, [tenantId, technicianId, jobId]);
    const bookings = rows.map((r) => ({
      jobId: r.job_id,
      window: r.window_start && r.window_end ? { start: r.window_start.toISOString(), end: r.window_end.toISOString() } : undefined,
    }));
    checkAssignment({ id: jobId, terms: termsOf(job) }, technicianId, technician, bookings);
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
  throw problem(400, 'bad-cursor', 'Bad Request', 'cursor is not one this API issued: start again without it');
}

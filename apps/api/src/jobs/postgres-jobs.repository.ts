import { Injectable } from '@nestjs/common';
import type { TechnicianStatus } from '#libs/domain';
import type { TimeWindow } from '#libs/events';
import type { Session } from '#libs/event-store';
import { DatabaseService, type Queryable, type Sql, statement } from '#libs/timescale';
import { keysetPage } from '../common/pagination';
import { type AssignmentFacts, type ChatRow, type JobListFilter, JobsRepository } from './jobs.repository';
import type { JobViewWrite } from './jobs.projection';
import { JOB_VIEW_COLUMNS, type JobViewRow } from './jobs.view';

const JOB_ROW = statement(`SELECT ${JOB_VIEW_COLUMNS} FROM jobs_view WHERE tenant_id = $1 AND job_id = $2`);
// The technician and their open bookings that overlap the job's window ($4, $5; none without one), one
// snapshot, one round trip (no row for an unknown technician). Served by jobs_view_open_bookings.
const ASSIGNMENT_FACTS = statement(`SELECT t.status, t.skills, t.version, t.assignments::text AS assignments, b.job_ids, b.starts, b.ends
     FROM technicians_view t,
     LATERAL (SELECT array_agg(j.job_id) AS job_ids, array_agg(j.window_start) AS starts, array_agg(j.window_end) AS ends
                FROM jobs_view j
               WHERE j.tenant_id = t.tenant_id AND j.technician_id = t.technician_id
                 AND j.status NOT IN ('completed', 'cancelled') AND j.job_id <> $3
                 AND j.window_start < $5::timestamptz AND j.window_end > $4::timestamptz) b
    WHERE t.tenant_id = $1 AND t.technician_id = $2`);
// A retry's lock, in a statement of its own: the facts are then read on a snapshot taken after the wait
// (locking in the facts' statement would return the new row with the bookings of the old snapshot).
const LOCK_TECHNICIAN = statement('SELECT 1 FROM technicians_view WHERE tenant_id = $1 AND technician_id = $2 FOR UPDATE');
// The append's guard: touches the row only if it is as read (fieldline_guard fails the append otherwise).
const ASSIGNMENT_GUARD_TEXT = `UPDATE technicians_view SET assignments = assignments + 1
   WHERE tenant_id = $1 AND technician_id = $2 AND version = $3 AND assignments = $4::bigint RETURNING 1`;
const INSERT_JOB_TEXT = `INSERT INTO jobs_view (tenant_id, job_id, version, status, title, description, customer_id, site_id, lat, lon, priority,
     required_skills, window_start, window_end, technician_id, created_at, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
   RETURNING ${JOB_VIEW_COLUMNS}`;
const UPDATE_JOB_TEXT = `UPDATE jobs_view SET version = $3, status = $4, on_hold_from = $5, priority = $6, window_start = $7, window_end = $8,
     technician_id = $9, updated_at = $10
   WHERE tenant_id = $1 AND job_id = $2
   RETURNING ${JOB_VIEW_COLUMNS}`;

interface FactsRow {
  status: TechnicianStatus;
  skills: string[];
  version: number;
  assignments: string;
  job_ids: string[] | null;
  starts: (Date | null)[] | null;
  ends: (Date | null)[] | null;
}

@Injectable()
export class PostgresJobsRepository extends JobsRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async find(tenantId: string, jobId: string): Promise<JobViewRow | undefined> {
    const { rows } = await this.db.query<JobViewRow>(JOB_ROW, [tenantId, jobId]);
    return rows[0];
  }

  /** Keyset pagination over (sort column, job id): stable under concurrent inserts, no OFFSET scans. */
  async list(tenantId: string, filter: JobListFilter): Promise<JobViewRow[]> {
    const { sort, order } = filter;
    const where = ['tenant_id = $1'];
    const values: unknown[] = [tenantId];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.technicianId !== undefined) add('technician_id = ?', filter.technicianId);
    if (filter.status) add('status = ?', filter.status);
    if (filter.priority) add('priority = ?', filter.priority);
    if (filter.after) {
      // NULL windows sort last; coalesce keeps the comparison total.
      values.push(...filter.after);
      where.push(`(coalesce(${sort}, 'infinity'), job_id) ${order === 'asc' ? '>' : '<'} ($${values.length - 1}::timestamptz, $${values.length})`);
    }
    values.push(filter.limit);
    // one text per combination of filters and order: a handful, each prepared once per connection
    const { rows } = await this.db.query<JobViewRow>(
      statement(`SELECT ${JOB_VIEW_COLUMNS} FROM jobs_view WHERE ${where.join(' AND ')}
        ORDER BY coalesce(${sort}, 'infinity') ${order}, job_id ${order} LIMIT $${values.length}`),
      values,
    );
    return rows;
  }

  chat(tenantId: string, jobId: string, limit: number, cursor?: string): Promise<{ rows: ChatRow[]; nextCursor: string | null }> {
    return keysetPage<ChatRow & Record<string, unknown>>(this.db, {
      from: 'chat_messages',
      where: ['tenant_id = $1', 'job_id = $2'],
      values: [tenantId, jobId],
      sortKey: `to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
      idColumn: 'message_id',
      limit,
      ...(cursor ? { cursor } : {}),
    });
  }

  async assignmentFacts(tenantId: string, technicianId: string, job: { id: string; window?: TimeWindow }, session?: Session): Promise<AssignmentFacts> {
    // The row is the technician as their last command left it (projected in that command's statement),
    // so it serves the rule without reading their stream.
    const on = (session as Queryable | undefined) ?? this.db;
    if (session) await on.query(LOCK_TECHNICIAN, [tenantId, technicianId]);
    const { rows } = await on.query<FactsRow>(ASSIGNMENT_FACTS, [tenantId, technicianId, job.id, job.window?.start ?? null, job.window?.end ?? null]);
    const row = rows[0];
    if (!row) return { technician: { status: 'initial' }, bookings: [] };
    const starts = row.starts ?? [];
    const ends = row.ends ?? [];
    return {
      technician: { status: row.status, skills: row.skills },
      bookings: (row.job_ids ?? []).map((jobId, i) => {
        const start = starts[i];
        const end = ends[i];
        return { jobId, window: start && end ? { start: start.toISOString(), end: end.toISOString() } : undefined };
      }),
      guard: { text: ASSIGNMENT_GUARD_TEXT, values: [tenantId, technicianId, row.version, row.assignments] } satisfies Sql,
    };
  }

  /** One INSERT/UPDATE … RETURNING, run inside the append's own statement. */
  projection(write: JobViewWrite): Sql {
    if ('insert' in write) {
      const r = write.insert;
      return {
        text: INSERT_JOB_TEXT,
        values: [r.tenant_id, r.job_id, r.version, r.status, r.title, r.description, r.customer_id, r.site_id, r.lat, r.lon, r.priority,
          r.required_skills, r.window_start, r.window_end, r.technician_id, r.created_at],
      };
    }
    const c = write.update;
    return { text: UPDATE_JOB_TEXT, values: [c.tenant_id, c.job_id, c.version, c.status, c.on_hold_from, c.priority, c.window_start, c.window_end, c.technician_id, c.updated_at] };
  }
}

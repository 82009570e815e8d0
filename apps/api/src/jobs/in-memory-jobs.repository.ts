import { type TechnicianStatus, windowsOverlap } from '#libs/domain';
import type { TimeWindow } from '#libs/events';
import { FactsChangedError } from '#libs/event-store';
import { type AssignmentFacts, type ChatRow, type JobListFilter, JobsRepository } from './jobs.repository';
import type { JobViewWrite } from './jobs.projection';
import type { JobViewRow } from './jobs.view';

/**
 * jobs_view in memory, for unit tests with InMemoryEventStore: its projection is a function the store
 * calls after the append. Technicians are whatever a test puts in `technicians` (on PostgreSQL,
 * technicians_view, which their own commands keep).
 */
export class InMemoryJobsRepository extends JobsRepository {
  private readonly rows = new Map<string, JobViewRow>();
  readonly technicians = new Map<string, { status: TechnicianStatus; skills: string[] }>();
  readonly messages: (ChatRow & { tenant_id: string; job_id: string })[] = [];
  /** Assignments appended per technician (technicians_view.assignments): what the guard compares. */
  private readonly assignments = new Map<string, number>();

  async find(tenantId: string, jobId: string): Promise<JobViewRow | undefined> {
    const row = this.rows.get(key(tenantId, jobId));
    return row && { ...row };
  }

  async list(tenantId: string, filter: JobListFilter): Promise<JobViewRow[]> {
    const sortValue = (row: JobViewRow) => row[filter.sort]?.getTime() ?? Number.POSITIVE_INFINITY; // NULL windows last
    const compare = (a: [number, string], b: [number, string]) => (a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)) * (filter.order === 'asc' ? 1 : -1);
    const after = filter.after && ([filter.after[0] === 'infinity' ? Number.POSITIVE_INFINITY : Date.parse(filter.after[0]), filter.after[1]] as [number, string]);
    return [...this.rows.values()]
      .filter((r) => r.tenant_id === tenantId)
      .filter((r) => filter.technicianId === undefined || r.technician_id === filter.technicianId)
      .filter((r) => !filter.status || r.status === filter.status)
      .filter((r) => !filter.priority || r.priority === filter.priority)
      .filter((r) => !after || compare([sortValue(r), r.job_id], after) > 0)
      .sort((a, b) => compare([sortValue(a), a.job_id], [sortValue(b), b.job_id]))
      .slice(0, filter.limit)
      .map((r) => ({ ...r }));
  }

  async chat(tenantId: string, jobId: string, limit: number): Promise<{ rows: ChatRow[]; nextCursor: string | null }> {
    const rows = this.messages.filter((m) => m.tenant_id === tenantId && m.job_id === jobId).sort((a, b) => a.posted_at.getTime() - b.posted_at.getTime());
    return { rows: rows.slice(0, limit), nextCursor: null };
  }

  async assignmentFacts(tenantId: string, technicianId: string, job: { id: string; window?: TimeWindow }): Promise<AssignmentFacts> {
    const bookings = [...this.rows.values()]
      .filter((r) => r.tenant_id === tenantId && r.technician_id === technicianId && r.job_id !== job.id && !['completed', 'cancelled'].includes(r.status))
      .flatMap((r) => (r.window_start && r.window_end ? [{ jobId: r.job_id, window: { start: r.window_start.toISOString(), end: r.window_end.toISOString() } }] : []))
      .filter((b) => job.window && windowsOverlap(b.window, job.window)); // as the PostgreSQL read: only what could clash
    const id = `${tenantId}/${technicianId}`;
    const technician = this.technicians.get(id);
    if (!technician) return { technician: { status: 'initial' }, bookings };
    const seen = this.assignments.get(id) ?? 0;
    // as technicians_view's guard: the append fails if another assignment to them came first
    const guard = () => {
      if ((this.assignments.get(id) ?? 0) !== seen || this.technicians.get(id) !== technician) throw new FactsChangedError(job.id);
      this.assignments.set(id, seen + 1);
    };
    return { technician, bookings, guard };
  }

  projection(write: JobViewWrite): () => JobViewRow | undefined {
    return () => {
      const id = 'insert' in write ? key(write.insert.tenant_id, write.insert.job_id) : key(write.update.tenant_id, write.update.job_id);
      const row = 'insert' in write ? { ...write.insert } : this.rows.get(id) && { ...this.rows.get(id)!, ...write.update };
      if (row) this.rows.set(id, row);
      return row && { ...row };
    };
  }
}

const key = (tenantId: string, jobId: string) => `${tenantId}/${jobId}`;

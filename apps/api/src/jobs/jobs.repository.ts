import type { TechnicianStatus } from '#libs/domain';
import type { Session } from '#libs/event-store';
import type { JobViewRow } from './jobs.view';
import type { JobViewWrite } from './jobs.projection';

export interface JobListFilter {
  technicianId?: string;
  status?: string;
  priority?: string;
  sort: 'created_at' | 'updated_at' | 'window_start';
  order: 'asc' | 'desc';
  /** Keyset position: rows after (sort value, job id) in the order asked ('infinity' for a NULL window). */
  after?: [string, string];
  limit: number;
}

export interface ChatRow {
  message_id: string;
  author_id: string;
  author_role: string;
  text: string;
  posted_at: Date;
}

/** What the assignment rules read about a technician, with their row locked for the session's transaction. */
export interface AssignmentFacts {
  technician: { status: TechnicianStatus; skills?: string[] };
  bookings: { jobId: string; window?: { start: string; end: string } }[];
}

/** The jobs read model (jobs_view) and the job chat (the port; PostgreSQL and in-memory implementations). */
export abstract class JobsRepository {
  abstract find(tenantId: string, jobId: string): Promise<JobViewRow | undefined>;
  /** Up to `limit` rows, in the filter's order. */
  abstract list(tenantId: string, filter: JobListFilter): Promise<JobViewRow[]>;
  abstract chat(tenantId: string, jobId: string, limit: number, cursor?: string): Promise<{ rows: ChatRow[]; nextCursor: string | null }>;
  /**
   * The technician and their other open bookings, the technician's row locked until the session's
   * transaction ends: concurrent assignments to one technician are checked one after another.
   */
  abstract assignmentFacts(session: Session, tenantId: string, technicianId: string, exceptJobId: string): Promise<AssignmentFacts>;
  /** The read model's write for a command, in the event store's own form (AppendRequest.projection). */
  abstract projection(write: JobViewWrite): unknown;
}

import type { TechnicianStatus } from '#libs/domain';
import type { TimeWindow } from '#libs/events';
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

/** What the assignment rules read about a technician, and the append's guard that they are still so. */
export interface AssignmentFacts {
  technician: { status: TechnicianStatus; skills?: string[] };
  bookings: { jobId: string; window?: { start: string; end: string } }[];
  /** AppendRequest.guard: the append fails if the technician changed or got another assignment since (none for an unknown technician). */
  guard?: unknown;
}

/** The jobs read model (jobs_view) and the job chat (the port; PostgreSQL and in-memory implementations). */
export abstract class JobsRepository {
  abstract find(tenantId: string, jobId: string): Promise<JobViewRow | undefined>;
  /** Up to `limit` rows, in the filter's order. */
  abstract list(tenantId: string, filter: JobListFilter): Promise<JobViewRow[]>;
  abstract chat(tenantId: string, jobId: string, limit: number, cursor?: string): Promise<{ rows: ChatRow[]; nextCursor: string | null }>;
  /**
   * The technician and those of their other open bookings whose windows overlap `window` (none without
   * one: only windows can clash), read at one instant, with the guard that makes an
   * assignment decided on them fail if another assignment to the technician (or a change of theirs)
   * committed in between: concurrent assignments to one technician cannot both pass the rules. In a
   * session (a retry after a failed guard), the technician's row is also locked until it ends.
   */
  abstract assignmentFacts(tenantId: string, technicianId: string, job: { id: string; window?: TimeWindow }, session?: Session): Promise<AssignmentFacts>;
  /** The read model's write for a command, in the event store's own form (AppendRequest.projection). */
  abstract projection(write: JobViewWrite): unknown;
}

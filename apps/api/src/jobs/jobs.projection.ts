import { type Job, technicianOf, termsOf } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';
import type { JobViewRow } from './jobs.view';

/** The job's key and the columns a command that does not create the job changes. */
export type JobViewChanges = Pick<JobViewRow, 'tenant_id' | 'job_id' | 'version' | 'status' | 'on_hold_from' | 'priority' | 'window_start' | 'window_end' | 'technician_id' | 'updated_at'>;

/** How a command's events change jobs_view: a new row, or changes to the job's row. */
export type JobViewWrite = { insert: JobViewRow } | { update: JobViewChanges };

/**
 * Keeps jobs_view in step with a job's stream: lists, filters and the double-booking check read it.
 * Built from the folded state (so it is right whatever the events were) plus the descriptive fields
 * only `job.created` carries. Each repository turns it into its own write (one statement with the
 * append on PostgreSQL).
 */
export function jobViewWrite(tenantId: string, jobId: string, events: FieldlineEvent[], job: Job, version: number): JobViewWrite | undefined {
  if (job.status === 'initial') return undefined;
  const terms = termsOf(job);
  const at = new Date(events.at(-1)!.occurredAt);
  const changes: JobViewChanges = {
    tenant_id: tenantId,
    job_id: jobId,
    version,
    status: job.status,
    on_hold_from: job.status === 'on_hold' ? job.held.status : null,
    priority: terms.priority,
    window_start: terms.window ? new Date(terms.window.start) : null,
    window_end: terms.window ? new Date(terms.window.end) : null,
    technician_id: technicianOf(job) ?? null,
    updated_at: at,
  };
  const created = events.find((e) => e.type === 'job.created');
  if (!created) return { update: changes };
  const d = created.data;
  return {
    insert: {
      ...changes,
      title: d.title,
      description: d.description ?? null,
      customer_id: d.customerId ?? null,
      site_id: d.siteId ?? null,
      lat: d.location?.lat ?? null,
      lon: d.location?.lon ?? null,
      required_skills: terms.requiredSkills,
      created_at: at,
    },
  };
}

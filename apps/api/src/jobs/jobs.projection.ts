import { type Job, technicianOf, termsOf } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';
import type { Sql } from '../event-store/event-store.service';
import { JOB_VIEW_COLUMNS } from './jobs.view';

/**
 * Keeps jobs_view in step with a job's stream, in the append's own statement: lists, filters and the
 * double-booking check read it. Built from the folded state (so it is right whatever the events were)
 * plus the descriptive fields only `job.created` carries.
 */
export function projectJob(tenantId: string, jobId: string, events: FieldlineEvent[], job: Job, version: number): Sql | undefined {
  if (job.status === 'initial') return undefined;
  const terms = termsOf(job);
  const status = job.status;
  const held = job.status === 'on_hold' ? job.held : undefined;
  const technicianId = technicianOf(job) ?? null;
  const at = events.at(-1)!.occurredAt;
  const created = events.find((e) => e.type === 'job.created');
  if (created) {
    const d = created.data;
    return {
      text: `INSERT INTO jobs_view (tenant_id, job_id, version, status, title, description, customer_id, site_id, lat, lon, priority,
         required_skills, window_start, window_end, technician_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
       RETURNING ${JOB_VIEW_COLUMNS}`,
      values: [tenantId, jobId, version, status, d.title, d.description ?? null, d.customerId ?? null, d.siteId ?? null, d.location?.lat ?? null,
        d.location?.lon ?? null, terms.priority, terms.requiredSkills, terms.window?.start ?? null, terms.window?.end ?? null, technicianId, at],
    };
  }
  return {
    text: `UPDATE jobs_view SET version = $3, status = $4, on_hold_from = $5, priority = $6, window_start = $7, window_end = $8,
       technician_id = $9, updated_at = $10
     WHERE tenant_id = $1 AND job_id = $2
     RETURNING ${JOB_VIEW_COLUMNS}`,
    values: [tenantId, jobId, version, status, held?.status ?? null, terms.priority, terms.window?.start ?? null, terms.window?.end ?? null, technicianId, at],
  };
}

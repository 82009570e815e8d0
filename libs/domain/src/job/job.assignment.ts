import type { TimeWindow } from '#libs/events';
import { normalizeSkills, windowsOverlap } from '../shared/scheduling';
import type { TechnicianStatus } from '../technician/technician.state';
import { JobError } from './job.errors';
import type { JobTerms } from './job.state';

/** Another job the candidate already holds, as the API's read model knows it. */
export interface Booking {
  jobId: string;
  window?: TimeWindow;
}

/** What the rule reads of the candidate: the folded state, or the read model's row of it. */
export interface Candidate {
  status: TechnicianStatus;
  skills?: readonly string[];
}

/**
 * The cross-aggregate rule for giving a job to a technician: they exist and are active, have every
 * required skill, and hold no other open job whose window overlaps this one. The caller loads the
 * technician and their bookings in the same transaction as the append, so two concurrent assignments
 * cannot both pass. Being off shift does not block planning ahead; availability is a dispatch hint.
 */
export function checkAssignment(job: { id: string; terms: JobTerms }, technicianId: string, technician: Candidate, bookings: readonly Booking[]): void {
  if (technician.status === 'initial' || technician.status === 'deactivated') {
    throw new JobError('TECHNICIAN_UNAVAILABLE', `technician ${technicianId} ${technician.status === 'initial' ? 'does not exist' : 'is deactivated'}`);
  }
  const have = new Set(technician.skills ?? []);
  const missing = normalizeSkills(job.terms.requiredSkills).filter((skill) => !have.has(skill));
  if (missing.length > 0) throw new JobError('MISSING_SKILLS', `technician ${technicianId} lacks required skills: ${missing.join(', ')}`);
  const window = job.terms.window;
  if (!window) return;
  const clash = bookings.find((b) => b.jobId !== job.id && b.window && windowsOverlap(b.window, window));
  if (clash) {
    throw new JobError(
      'DOUBLE_BOOKED',
      `technician ${technicianId} is booked on job ${clash.jobId} from ${clash.window!.start} to ${clash.window!.end}, overlapping ${window.start}–${window.end}`,
    );
  }
}

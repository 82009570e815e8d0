import { DomainError, type DomainErrorKind } from '../shared/domain-error';

/** Every way a job command can be refused, with the kind the API maps to a status. */
export const jobErrorKinds = {
  JOB_NOT_FOUND: 'not_found',
  JOB_ALREADY_EXISTS: 'conflict',
  /** The command does not apply in the job's current status (e.g. arrive before travel). */
  INVALID_TRANSITION: 'illegal_state',
  /** A technician (or their device) tried to move a job that is not theirs. */
  NOT_ASSIGNED_TECHNICIAN: 'forbidden',
  /** Reassigning to the technician who already has the job. */
  SAME_TECHNICIAN: 'validation',
  /** Window start not before end, or not a time. */
  INVALID_WINDOW: 'validation',
  /** Window already over at the command's time. */
  WINDOW_IN_PAST: 'validation',
  /** The technician lacks a required skill (the message names the missing ones). */
  MISSING_SKILLS: 'unprocessable',
  /** The technician already has a job whose window overlaps this one's (the message names it). */
  DOUBLE_BOOKED: 'conflict',
  /** The technician does not exist or is deactivated. */
  TECHNICIAN_UNAVAILABLE: 'unprocessable',
  /** Input the event catalogue refuses (empty title, latitude 91, empty reason …); message names the paths. */
  INVALID_INPUT: 'validation',
} as const satisfies Record<string, DomainErrorKind>;

export type JobErrorCode = keyof typeof jobErrorKinds;

export class JobError extends DomainError<JobErrorCode> {
  constructor(code: JobErrorCode, message: string) {
    super(code, jobErrorKinds[code], message);
  }
}

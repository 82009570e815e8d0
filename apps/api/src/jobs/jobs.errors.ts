import { DomainError } from '#libs/domain';

export type JobsErrorCode = 'JOB_NOT_FOUND' | 'PROOF_NOT_FOUND';

/** The jobs module's refusal that is not the decider's: an unknown job, or one the caller may not see. */
export class JobsError extends DomainError<JobsErrorCode> {
  static notFound(jobId: string): JobsError {
    return new JobsError('JOB_NOT_FOUND', 'not_found', `no job ${jobId}`);
  }

  static proofNotFound(jobId: string, proofId: string): JobsError {
    return new JobsError('PROOF_NOT_FOUND', 'not_found', `no proof ${proofId} on job ${jobId}`);
  }
}

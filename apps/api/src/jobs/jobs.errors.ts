import { DomainError } from '#libs/domain';

export type JobsErrorCode = 'JOB_NOT_FOUND' | 'BAD_CURSOR';

/** The jobs module's refusals that are not the decider's: unknown (or not visible) jobs, foreign cursors. */
export class JobsError extends DomainError<JobsErrorCode> {
  static notFound(jobId: string): JobsError {
    return new JobsError('JOB_NOT_FOUND', 'not_found', `no job ${jobId}`);
  }

  static badCursor(): JobsError {
    return new JobsError('BAD_CURSOR', 'validation', 'cursor is not one this API issued: start again without it');
  }
}

import { type ProblemMapper, type ProblemReply, problemType, toProblem as toProblemOf } from '#libs/platform';
import { DatabaseUnavailableError, isTransactionConflict, isUniqueViolation } from '#libs/timescale';
import { StaleVersionError, StreamConflictError } from '#libs/event-store';

/** The API's own errors as problems; the rest is the shared mapping (libs/platform, `toProblem`). */
export const apiProblems: ProblemMapper = (error): ProblemReply | undefined => {
  if (error instanceof StaleVersionError) {
    return {
      problem: { type: problemType('stale-version'), title: 'Precondition Failed', status: 412, detail: error.message, code: error.code },
      headers: { etag: `"${error.actual}"` },
    };
  }
  if (error instanceof DatabaseUnavailableError) {
    return { problem: { type: problemType('database-unavailable'), title: 'Service Unavailable', status: 503, detail: error.message, code: error.code }, headers: { 'retry-after': '2' } };
  }
  if (error instanceof StreamConflictError) return concurrentChange(error.message, error.code);
  if (isTransactionConflict(error)) {
    return concurrentChange('the request collided with concurrent changes to the same data more often than it was retried; retry it', 'TRANSACTION_CONFLICT');
  }
  if (isUniqueViolation(error)) {
    // a race the services do not name themselves (they answer their own 409s): still the client's to retry or fetch
    const detail = 'a concurrent request created the same thing first; fetch it, or retry';
    return { problem: { type: problemType('already-exists'), title: 'Conflict', status: 409, detail, code: 'ALREADY_EXISTS' }, headers: {} };
  }
  return undefined;
};

/** Lost a race more often than it was retried: the client's to send again, shortly. */
const concurrentChange = (detail: string, code: string): ProblemReply => ({
  problem: { type: problemType('concurrent-change'), title: 'Conflict', status: 409, detail, code },
  headers: { 'retry-after': '1' },
});

/** Any error as the API answers it (the filter, and bulk results' per-item problems). */
export const toProblem = (error: unknown, instance?: string) => toProblemOf(error, instance, apiProblems);

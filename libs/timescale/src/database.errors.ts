/**
 * The database cannot be reached now (down, restarting, failing over, or every pooled connection busy
 * past the wait): retryable. The apps answer it as 503 with Retry-After and stay up.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';

  constructor(override readonly cause: unknown) {
    super(`the database is unavailable (${(cause as Error)?.message ?? String(cause)}); retry shortly`);
    this.name = 'DatabaseUnavailableError';
  }
}

// SQLSTATE classes and codes that mean "the connection or the server went away", not "the statement is wrong".
// 25006 (read-only transaction) too: a primary turned standby, or a standby not yet promoted, takes
// writes again once the failover is done, so the caller retries rather than sees a 500.
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08P01', '25006']);
const SOCKET_GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
const MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /Connection ended unexpectedly/i];

/** Whether a pg error means the database (or the way to it) is gone, rather than a bad statement. */
export function isConnectionError(error: unknown): boolean {
  // by shape, not instanceof: a socket's error comes from Node's own realm (under Jest's, not an Error of ours)
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (SERVER_GONE.has(code) || SOCKET_GONE.has(code))) return true;
  return typeof message === 'string' && MESSAGES.some((m) => m.test(message));
}

// The server cancelled the statement (statement_timeout): overloaded or blocked now, retryable later.
const QUERY_CANCELED = '57014';

/** A connection error or a cancelled statement as DatabaseUnavailableError; anything else as it was. */
export function asUnavailable(error: unknown): unknown {
  const cancelled = (error as { code?: unknown } | undefined)?.code === QUERY_CANCELED;
  return isConnectionError(error) || cancelled ? new DatabaseUnavailableError(error) : error;
}

// The server aborted the transaction to resolve contention: a deadlock, or a serialization failure.
// Nothing of it committed, so running it again from the start is safe.
const TRANSACTION_CONFLICT = new Set(['40001', '40P01']);

/** Whether the transaction lost a deadlock or a serialization check (and may simply run again). */
export function isTransactionConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && TRANSACTION_CONFLICT.has(code);
}

/** A unique index refused a row: a concurrent request wrote the same thing first. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown } | undefined)?.code === '23505';

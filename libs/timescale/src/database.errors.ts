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
const SERVER_GONE = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '08P01']);
const SOCKET_GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
const MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i, /Connection ended unexpectedly/i];

/** Whether a pg error means the database (or the way to it) is gone, rather than a bad statement. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SERVER_GONE.has(code) || SOCKET_GONE.has(code))) return true;
  return MESSAGES.some((m) => m.test(error.message));
}

/** A connection error as DatabaseUnavailableError; anything else as it was. */
export function asUnavailable(error: unknown): unknown {
  return isConnectionError(error) ? new DatabaseUnavailableError(error) : error;
}

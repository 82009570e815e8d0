/** Someone else appended to the stream between our read and our append. */
export class StreamConflictError extends Error {
  readonly code = 'STREAM_CONFLICT';
  constructor(readonly streamId: string, readonly expectedVersion: number) {
    super(`stream ${streamId} changed since version ${expectedVersion}; reload and retry`);
    this.name = 'StreamConflictError';
  }
}

/**
 * Data outside the stream that the decision read changed before the append (its guard failed): nothing
 * was written; decide again on fresh data. Code 40001, as PostgreSQL reports the same failure, so one
 * check (isTransactionConflict) retries and answers both.
 */
export class FactsChangedError extends Error {
  readonly code = '40001';
  constructor(streamId: string) {
    super(`what the command on ${streamId} decided on changed meanwhile; decide again`);
    this.name = 'FactsChangedError';
  }
}

/** The client's If-Match version is not the stream's current version. */
export class StaleVersionError extends Error {
  readonly code = 'STALE_VERSION';
  constructor(readonly streamId: string, readonly expected: number, readonly actual: number) {
    super(`${streamId} is at version ${actual}, not ${expected}: fetch it again and retry with the new ETag`);
    this.name = 'StaleVersionError';
  }
}

/** A stored event no longer parses: the store is corrupt or a schema change lacks an upcaster. */
export class CorruptStreamError extends Error {
  constructor(streamId: string, position: number, reason: string) {
    super(`event ${position} of ${streamId} cannot be read: ${reason}`);
    this.name = 'CorruptStreamError';
  }
}

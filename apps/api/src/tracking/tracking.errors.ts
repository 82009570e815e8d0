import { DomainError } from '#libs/domain';

export type TrackingErrorCode = 'TECHNICIAN_NOT_FOUND' | 'JOB_NOT_FOUND' | 'INVALID_DATE' | 'INVALID_RANGE' | 'FIX_IN_FUTURE' | 'NOT_YOUR_LOCATION';

/** The tracking module's refusals. FEED_GAP (410) and JOB_WITHOUT_LOCATION stay problems: see TrackingService. */
export class TrackingError extends DomainError<TrackingErrorCode> {
  /** Another tenant's technician, none, or (for a technician) anyone but themself. */
  static technicianNotFound(technicianId: string): TrackingError {
    return new TrackingError('TECHNICIAN_NOT_FOUND', 'not_found', `no technician ${technicianId}`);
  }

  static jobNotFound(jobId: string): TrackingError {
    return new TrackingError('JOB_NOT_FOUND', 'not_found', `no job ${jobId}`);
  }

  static invalidDate(date: string): TrackingError {
    return new TrackingError('INVALID_DATE', 'validation', `${date} is not a calendar date`);
  }

  static invalidRange(detail: string): TrackingError {
    return new TrackingError('INVALID_RANGE', 'validation', detail);
  }

  /** A fix ahead of the server clock by more than phones drift. */
  static fixInFuture(at: string): TrackingError {
    return new TrackingError('FIX_IN_FUTURE', 'validation', `fix time ${at} is ahead of the server clock; check the device's clock`);
  }

  /** Someone in the tenant other than the technician shares their location. */
  static notYourLocation(): TrackingError {
    return new TrackingError('NOT_YOUR_LOCATION', 'forbidden', 'only the technician themself shares their location');
  }
}

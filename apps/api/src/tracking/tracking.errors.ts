import { DomainError, type DomainErrorKind } from '#libs/domain';

export const trackingErrorKinds = {
  /** Another tenant's technician, none, or (for a technician) anyone but themself. */
  TECHNICIAN_NOT_FOUND: 'not_found',
  JOB_NOT_FOUND: 'not_found',
  INVALID_DATE: 'validation',
  INVALID_RANGE: 'validation',
  /** A fix ahead of the server clock by more than phones drift. */
  FIX_IN_FUTURE: 'validation',
  /** Someone in the tenant other than the technician shares their location. */
  NOT_YOUR_LOCATION: 'forbidden',
} as const satisfies Record<string, DomainErrorKind>;

export type TrackingErrorCode = keyof typeof trackingErrorKinds;

export class TrackingError extends DomainError<TrackingErrorCode> {
  constructor(code: TrackingErrorCode, message: string) {
    super(code, trackingErrorKinds[code], message);
  }
}

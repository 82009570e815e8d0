import { DomainError, type DomainErrorKind } from '../shared/domain-error';

/** Every way a place command can be refused, with the kind the API maps to a status. */
export const placeErrorKinds = {
  PLACE_NOT_FOUND: 'not_found',
  PLACE_ALREADY_EXISTS: 'conflict',
  /** Retiring (archiving a customer or site, deleting a geofence) is final. */
  PLACE_RETIRED: 'illegal_state',
  /** Input the event catalogue refuses (blank name, latitude 91, a two-point polygon …). */
  INVALID_INPUT: 'validation',
} as const satisfies Record<string, DomainErrorKind>;

export type PlaceErrorCode = keyof typeof placeErrorKinds;

export class PlaceError extends DomainError<PlaceErrorCode> {
  constructor(code: PlaceErrorCode, message: string) {
    super(code, placeErrorKinds[code], message);
  }
}

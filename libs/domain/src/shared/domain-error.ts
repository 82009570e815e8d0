/**
 * How an error maps to a response, decided once here so every HTTP app maps kind → status in one place:
 * validation 400, forbidden 403, not_found 404, conflict 409, illegal_state 409, unprocessable 422 (well
 * formed, but refused by a rule about something else: a technician who lacks a skill or is gone).
 */
export type DomainErrorKind = 'validation' | 'forbidden' | 'not_found' | 'conflict' | 'illegal_state' | 'unprocessable';

/** The HTTP status of each kind. */
export const httpStatusOfKind: Record<DomainErrorKind, number> = {
  validation: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  illegal_state: 409,
  unprocessable: 422,
};

export abstract class DomainError<Code extends string = string> extends Error {
  protected constructor(
    readonly code: Code,
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

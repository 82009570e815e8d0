/**
 * How an error maps to a response, decided once here so the API maps kind → HTTP status in one place:
 * validation 400, forbidden 403, not_found 404, conflict 409, illegal_state 409/422.
 */
export type DomainErrorKind = 'validation' | 'forbidden' | 'not_found' | 'conflict' | 'illegal_state';

/** The HTTP status of each kind (a few codes are answered 422 instead; the API lists them). */
export const httpStatusOfKind: Record<DomainErrorKind, number> = {
  validation: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  illegal_state: 409,
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

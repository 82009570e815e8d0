import { DomainError, type DomainErrorKind } from '../shared/domain-error';

export const technicianErrorKinds = {
  TECHNICIAN_NOT_FOUND: 'not_found',
  TECHNICIAN_ALREADY_EXISTS: 'conflict',
  /** Deactivation is final: a returning technician is registered again under a new id. */
  TECHNICIAN_DEACTIVATED: 'illegal_state',
  ALREADY_ON_SHIFT: 'illegal_state',
  /** Ending a shift or changing availability needs a shift in progress. */
  NOT_ON_SHIFT: 'illegal_state',
  /** Input the event catalogue refuses (empty name, blank skill, latitude 91 …). */
  INVALID_INPUT: 'validation',
} as const satisfies Record<string, DomainErrorKind>;

export type TechnicianErrorCode = keyof typeof technicianErrorKinds;

export class TechnicianError extends DomainError<TechnicianErrorCode> {
  constructor(code: TechnicianErrorCode, message: string) {
    super(code, technicianErrorKinds[code], message);
  }
}

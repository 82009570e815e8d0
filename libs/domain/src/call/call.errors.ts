import { DomainError, type DomainErrorKind } from '../shared/domain-error';

export const callErrorKinds = {
  CALL_NOT_FOUND: 'not_found',
  CALL_ALREADY_EXISTS: 'conflict',
  CALL_ENDED: 'illegal_state',
  /** Only dispatchers and admins start calls and end them for everyone. */
  NOT_ALLOWED: 'forbidden',
  /** Joining needs an invitation (or having started the call). */
  NOT_INVITED: 'forbidden',
  CALL_FULL: 'illegal_state',
  NO_INVITEES: 'validation',
  /** A recorded call needs everyone's consent, given when it is created. */
  RECORDING_NEEDS_CONSENT: 'validation',
  NOT_RINGING: 'illegal_state',
  NOT_IN_CALL: 'illegal_state',
  NOT_PTT: 'illegal_state',
  FLOOR_TAKEN: 'conflict',
  INVALID_INPUT: 'validation',
} as const satisfies Record<string, DomainErrorKind>;

export type CallErrorCode = keyof typeof callErrorKinds;

export class CallError extends DomainError<CallErrorCode> {
  constructor(code: CallErrorCode, message: string) {
    super(code, callErrorKinds[code], message);
  }
}

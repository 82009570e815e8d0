import { DomainError, type DomainErrorKind } from '../shared/domain-error';

export const deviceErrorKinds = {
  DEVICE_NOT_FOUND: 'not_found',
  DEVICE_ALREADY_EXISTS: 'conflict',
  /** Revocation is final: a replaced phone is provisioned again as a new device. */
  DEVICE_REVOKED: 'illegal_state',
  DEVICE_NOT_LINKED: 'illegal_state',
  /** Not issued to this device, or already revoked. */
  CERTIFICATE_NOT_FOUND: 'not_found',
  INVALID_INPUT: 'validation',
} as const satisfies Record<string, DomainErrorKind>;

export type DeviceErrorCode = keyof typeof deviceErrorKinds;

export class DeviceError extends DomainError<DeviceErrorCode> {
  constructor(code: DeviceErrorCode, message: string) {
    super(code, deviceErrorKinds[code], message);
  }
}

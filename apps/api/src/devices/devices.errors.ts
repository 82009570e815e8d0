import { DomainError } from '#libs/domain';

export type DevicesErrorCode = 'DEVICE_NOT_FOUND' | 'DEVICE_ID_TAKEN';

/** The devices module's refusals that are not the decider's (codes and types as the API answered them before). */
export class DevicesError extends DomainError<DevicesErrorCode> {
  static notFound(deviceId: string): DevicesError {
    return new DevicesError('DEVICE_NOT_FOUND', 'not_found', `no device ${deviceId}`);
  }

  /** The device id (the MQTT client id) is unique across tenants; says so without telling whose it is. */
  static idTaken(deviceId: string): DevicesError {
    return new DevicesError('DEVICE_ID_TAKEN', 'conflict', `device id ${deviceId} is taken; choose another`);
  }
}

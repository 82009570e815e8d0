import { DomainError } from '#libs/domain';

export type DevicesErrorCode = 'DEVICE_NOT_FOUND' | 'DEVICE_ID_TAKEN' | 'INVALID_CSR' | 'CERTIFICATES_OFF';

/** The devices module's refusals that are not the decider's (codes and types as the API answered them before). */
export class DevicesError extends DomainError<DevicesErrorCode> {
  static notFound(deviceId: string): DevicesError {
    return new DevicesError('DEVICE_NOT_FOUND', 'not_found', `no device ${deviceId}`);
  }

  /** A CSR that does not parse, is not self-signed by its key, or holds a weak key: what is wrong, for the one who made it. */
  static invalidCsr(reason: string): DevicesError {
    return new DevicesError('INVALID_CSR', 'unprocessable', reason);
  }

  /** This deployment signs no device certificates: a 409 that says how to turn them on, not a 5xx. */
  static certificatesOff(): DevicesError {
    return new DevicesError('CERTIFICATES_OFF', 'conflict', 'device certificates are not enabled on this deployment: the operator sets DEVICE_CA_CERT_FILE and DEVICE_CA_KEY_FILE on the API (and MQTT_DEVICE_CA_FILE on ingest); until then devices use secrets');
  }

  /** The device id (the MQTT client id) is unique across tenants; says so without telling whose it is. */
  static idTaken(deviceId: string): DevicesError {
    return new DevicesError('DEVICE_ID_TAKEN', 'conflict', `device id ${deviceId} is taken; choose another`);
  }
}

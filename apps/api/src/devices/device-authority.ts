import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ValidateIf } from 'class-validator';
import { type Constructor, createClientCertificate, EnvFile, EnvInt, type PemPair } from '#libs/platform';

/** The device CA the API signs device certificates with (mutual TLS); ingest trusts its certificate (MQTT_DEVICE_CA_FILE). */
export function withDeviceAuthorityEnv<Base extends Constructor>(base: Base) {
  class DeviceAuthorityEnv extends base {
    /** The device CA's certificate (PEM); with its key, `POST /devices/{id}/certificate` signs CSRs. Unset: device certificates are off. */
    @ValidateIf((env: DeviceAuthorityEnv) => env.DEVICE_CA_KEY_FILE !== undefined || env.DEVICE_CA_CERT_FILE !== undefined)
    @EnvFile({ required: true })
    DEVICE_CA_CERT_FILE?: string;

    @ValidateIf((env: DeviceAuthorityEnv) => env.DEVICE_CA_KEY_FILE !== undefined || env.DEVICE_CA_CERT_FILE !== undefined)
    @EnvFile({ required: true })
    DEVICE_CA_KEY_FILE?: string;

    /** How long a device certificate is valid. */
    @EnvInt({ min: 1, max: 3650 })
    DEVICE_CERT_VALID_DAYS: number = 397;
  }
  return DeviceAuthorityEnv;
}

export interface SignedDeviceCertificate {
  pem: string;
  /** SHA-256 of the DER, lower-case hex: what ingest looks a presented certificate up by. */
  fingerprint: string;
  notAfter: Date;
  /** The CA's certificate, for the device's chain and for checking. */
  authority: string;
}

/**
 * Signs device certificates with the device CA. The files are read at each signing, so a renewed CA
 * applies without a restart (devices already issued keep working while ingest trusts the old one too).
 */
export class DeviceAuthority {
  constructor(private readonly files: { cert: string; key: string } | undefined, private readonly validDays: number) {}

  get enabled(): boolean {
    return this.files !== undefined;
  }

  async sign(deviceId: string, publicKey: Parameters<typeof createClientCertificate>[2], serial: string, now: Date): Promise<SignedDeviceCertificate> {
    if (!this.files) throw new Error('device certificates are off: set DEVICE_CA_CERT_FILE and DEVICE_CA_KEY_FILE');
    const authority: PemPair = { cert: readFileSync(this.files.cert, 'utf8'), key: readFileSync(this.files.key, 'utf8') };
    const pem = await createClientCertificate(authority, deviceId, publicKey, { serial, now, validDays: this.validDays });
    const x509 = new X509Certificate(pem);
    return { pem, fingerprint: x509.fingerprint256.replaceAll(':', '').toLowerCase(), notAfter: x509.validToDate, authority: authority.cert };
  }
}

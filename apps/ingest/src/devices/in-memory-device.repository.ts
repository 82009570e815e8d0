import { type DeviceCredentials, DeviceRepository } from './device.repository';

/**
 * The devices table in a Map, for unit tests of what reads it. `lookups` counts the reads (to see a
 * cache at work); `failWith` makes every read fail, as a database that is away would.
 */
export class InMemoryDeviceRepository extends DeviceRepository {
  private readonly devices = new Map<string, DeviceCredentials & { active: boolean }>();
  /** Certificates by fingerprint: the device they were issued to, their serial and end; revoked ones removed. */
  readonly certificates = new Map<string, { deviceId: string; serial: string; notAfter: Date }>();
  lookups = 0;
  failWith?: Error;

  /** Provisions (or replaces) a device; `active: false` is a revoked one. */
  put(device: DeviceCredentials, active = true): void {
    this.devices.set(device.deviceId, { ...device, active });
  }

  delete(deviceId: string): void {
    this.devices.delete(deviceId);
  }

  findActive(deviceId: string): Promise<DeviceCredentials | undefined> {
    return this.find((d) => d.deviceId === deviceId);
  }

  findActiveByOwnTracks(user: string, device: string): Promise<DeviceCredentials | undefined> {
    return this.find((d) => d.owntracks?.user === user && d.owntracks.device === device);
  }

  async findActiveByCertificate(fingerprint: string, at: Date): Promise<(DeviceCredentials & { serial: string }) | undefined> {
    const certificate = this.certificates.get(fingerprint);
    if (!certificate || certificate.notAfter <= at) return undefined;
    const device = await this.find((d) => d.deviceId === certificate.deviceId);
    return device && { ...device, serial: certificate.serial };
  }

  private async find(match: (device: DeviceCredentials) => boolean): Promise<DeviceCredentials | undefined> {
    this.lookups++;
    if (this.failWith) throw this.failWith;
    for (const { active, ...device } of this.devices.values()) if (active && match(device)) return device;
    return undefined;
  }
}

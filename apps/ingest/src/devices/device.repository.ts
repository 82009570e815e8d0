/** A device allowed to connect, as the API provisioned it (table `devices`). */
export interface KnownDevice {
  deviceId: string;
  tenantId: string;
  kind: string;
  technicianId: string | null;
  assetId: string | null;
  owntracks: { user: string; device: string } | null;
}

/** An active device with the hash of its secret: what a login is checked against. */
export interface DeviceCredentials extends KnownDevice {
  secretHash: string;
}

/**
 * Where ingest reads the devices the API provisioned (the API owns and migrates the table). Only
 * active devices are found: a revoked one is as unknown as one never provisioned. An abstract class,
 * so Nest injects it by type: PgDeviceRepository in the app, InMemoryDeviceRepository in unit tests.
 */
export abstract class DeviceRepository {
  /** The active device with this id. */
  abstract findActive(deviceId: string): Promise<DeviceCredentials | undefined>;
  /** The active device linked to this OwnTracks user and device name. */
  abstract findActiveByOwnTracks(user: string, device: string): Promise<DeviceCredentials | undefined>;
  /** The active device a client certificate (SHA-256 fingerprint, hex) was issued to, while not revoked and not expired at `at`; with its serial. */
  abstract findActiveByCertificate(fingerprint: string, at: Date): Promise<(DeviceCredentials & { serial: string }) | undefined>;
}

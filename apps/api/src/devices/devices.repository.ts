import type { Session } from '#libs/event-store';

export interface DeviceRow {
  device_id: string;
  kind: string;
  name: string;
  technician_id: string | null;
  asset_id: string | null;
  owntracks_user: string | null;
  owntracks_device: string | null;
  status: string;
  created_at: Date;
  secret_rotated_at: Date;
}

export interface NewDevice {
  deviceId: string;
  tenantId: string;
  kind: string;
  name: string;
  /** The scrypt hash of the secret; the secret itself is never stored. */
  secretHash: string;
  technicianId: string | null;
  assetId: string | null;
  owntracksUser: string | null;
  owntracksDevice: string | null;
}

export interface DeviceCertificateRow {
  serial: string;
  fingerprint: string;
  not_after: Date;
  issued_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface NewDeviceCertificate {
  serial: string;
  tenantId: string;
  deviceId: string;
  fingerprint: string;
  notAfter: Date;
  issuedAt: Date;
}

export interface DeviceFilter {
  technicianId?: string;
  kind?: string;
  status?: string;
  limit: number;
  cursor?: string;
}

/**
 * The `devices` table ingest authenticates against (the port; the abstract class is the injection
 * token). Writes take the command's session: they commit with the device's events or not at all.
 */
export abstract class DevicesRepository {
  abstract find(tenantId: string, deviceId: string): Promise<DeviceRow | undefined>;
  /** Oldest first, keyset pages. */
  abstract list(tenantId: string, filter: DeviceFilter): Promise<{ rows: DeviceRow[]; nextCursor: string | null }>;
  /** Throws DevicesError DEVICE_ID_TAKEN when the id is taken, in any tenant. */
  abstract insert(session: Session, device: NewDevice): Promise<void>;
  abstract updateSecret(session: Session, tenantId: string, deviceId: string, secretHash: string): Promise<void>;
  /** Status and subject as the device's folded state has them; a revocation keeps its first time. */
  abstract updateStatus(session: Session, tenantId: string, deviceId: string, status: string, subject: { technicianId?: string; assetId?: string }): Promise<void>;
  /** The device's certificates, newest first, revoked ones too. */
  abstract certificates(tenantId: string, deviceId: string): Promise<DeviceCertificateRow[]>;
  abstract insertCertificate(session: Session, certificate: NewDeviceCertificate): Promise<void>;
  abstract revokeCertificate(session: Session, tenantId: string, deviceId: string, serial: string, reason: string): Promise<void>;
}

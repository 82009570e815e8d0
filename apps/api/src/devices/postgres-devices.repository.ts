import { Injectable } from '@nestjs/common';
import type { Session } from '#libs/event-store';
import { DatabaseService, isUniqueViolation, type Queryable } from '#libs/timescale';
import { keysetPage } from '../common/pagination';
import { DevicesError } from './devices.errors';
import { type DeviceCertificateRow, type DeviceFilter, type DeviceRow, DevicesRepository, type NewDevice, type NewDeviceCertificate } from './devices.repository';

@Injectable()
export class PostgresDevicesRepository extends DevicesRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async find(tenantId: string, deviceId: string): Promise<DeviceRow | undefined> {
    const { rows } = await this.db.query<DeviceRow>('SELECT * FROM devices WHERE tenant_id = $1 AND device_id = $2', [tenantId, deviceId]);
    return rows[0];
  }

  list(tenantId: string, filter: DeviceFilter): Promise<{ rows: DeviceRow[]; nextCursor: string | null }> {
    const values: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    if (filter.technicianId) where.push(`technician_id = $${values.push(filter.technicianId)}`);
    if (filter.kind) where.push(`kind = $${values.push(filter.kind)}`);
    if (filter.status) where.push(`status = $${values.push(filter.status)}`);
    return keysetPage<DeviceRow>(this.db, {
      from: 'devices',
      where,
      values,
      sortKey: 'created_at::text',
      idColumn: 'device_id',
      limit: filter.limit,
      cursor: filter.cursor,
    });
  }

  async insert(session: Session, d: NewDevice): Promise<void> {
    try {
      await (session as Queryable).query(
        `INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash, technician_id, asset_id, owntracks_user, owntracks_device)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [d.deviceId, d.tenantId, d.kind, d.name, d.secretHash, d.technicianId, d.assetId, d.owntracksUser, d.owntracksDevice],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw DevicesError.idTaken(d.deviceId);
      throw error;
    }
  }

  async updateSecret(session: Session, tenantId: string, deviceId: string, secretHash: string): Promise<void> {
    await (session as Queryable).query('UPDATE devices SET secret_hash = $3, secret_rotated_at = now() WHERE tenant_id = $1 AND device_id = $2', [tenantId, deviceId, secretHash]);
  }

  async certificates(tenantId: string, deviceId: string): Promise<DeviceCertificateRow[]> {
    const { rows } = await this.db.query<DeviceCertificateRow>(
      'SELECT serial, fingerprint, not_after, issued_at, revoked_at, revoked_reason FROM device_certificates WHERE tenant_id = $1 AND device_id = $2 ORDER BY issued_at DESC, serial',
      [tenantId, deviceId],
    );
    return rows;
  }

  async insertCertificate(session: Session, c: NewDeviceCertificate): Promise<void> {
    await (session as Queryable).query(
      'INSERT INTO device_certificates (serial, tenant_id, device_id, fingerprint, not_after, issued_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [c.serial, c.tenantId, c.deviceId, c.fingerprint, c.notAfter, c.issuedAt],
    );
  }

  async revokeCertificate(session: Session, tenantId: string, deviceId: string, serial: string, reason: string): Promise<void> {
    await (session as Queryable).query(
      'UPDATE device_certificates SET revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, $4) WHERE tenant_id = $1 AND device_id = $2 AND serial = $3',
      [tenantId, deviceId, serial, reason],
    );
  }

  async updateStatus(session: Session, tenantId: string, deviceId: string, status: string, subject: { technicianId?: string; assetId?: string }): Promise<void> {
    await (session as Queryable).query(
      `UPDATE devices SET status = $3, technician_id = $4, asset_id = $5, revoked_at = CASE WHEN $3 = 'revoked' THEN coalesce(revoked_at, now()) END
          WHERE tenant_id = $1 AND device_id = $2`,
      [tenantId, deviceId, status, subject.technicianId ?? null, subject.assetId ?? null],
    );
  }
}

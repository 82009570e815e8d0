import { Injectable } from '@nestjs/common';
import { DatabaseService } from '#libs/timescale';
import { type DeviceCredentials, DeviceRepository } from './device.repository';

interface Row {
  device_id: string;
  tenant_id: string;
  kind: string;
  technician_id: string | null;
  asset_id: string | null;
  owntracks_user: string | null;
  owntracks_device: string | null;
  secret_hash: string;
}

const COLUMNS = 'device_id, tenant_id, kind, technician_id, asset_id, owntracks_user, owntracks_device, secret_hash';
const DEVICE_COLUMNS = COLUMNS.split(', ').map((c) => `d.${c}`).join(', ');

/** The API's `devices` table in TimescaleDB. */
@Injectable()
export class PgDeviceRepository extends DeviceRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async findActive(deviceId: string): Promise<DeviceCredentials | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM devices WHERE device_id = $1 AND status = 'active'`, [deviceId]);
    return rows[0] && toCredentials(rows[0]);
  }

  async findActiveByOwnTracks(user: string, device: string): Promise<DeviceCredentials | undefined> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM devices WHERE owntracks_user = $1 AND owntracks_device = $2 AND status = 'active'`, [user, device]);
    return rows[0] && toCredentials(rows[0]);
  }

  async findActiveByCertificate(fingerprint: string, at: Date): Promise<(DeviceCredentials & { serial: string }) | undefined> {
    const { rows } = await this.db.query<Row & { serial: string }>(
      `SELECT ${DEVICE_COLUMNS}, c.serial FROM device_certificates c JOIN devices d ON d.device_id = c.device_id AND d.tenant_id = c.tenant_id
        WHERE c.fingerprint = $1 AND c.revoked_at IS NULL AND c.not_after > $2 AND d.status = 'active'`,
      [fingerprint, at],
    );
    return rows[0] && { ...toCredentials(rows[0]), serial: rows[0].serial };
  }
}

const toCredentials = (row: Row): DeviceCredentials => ({
  deviceId: row.device_id,
  tenantId: row.tenant_id,
  kind: row.kind,
  technicianId: row.technician_id,
  assetId: row.asset_id,
  owntracks: row.owntracks_user && row.owntracks_device ? { user: row.owntracks_user, device: row.owntracks_device } : null,
  secretHash: row.secret_hash,
});

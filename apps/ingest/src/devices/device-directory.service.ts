import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { verifySecret } from '#libs/platform';
import { DatabaseService } from '#libs/timescale';

/** A device allowed to connect, as the API provisioned it (table `devices`). */
export interface KnownDevice {
  deviceId: string;
  tenantId: string;
  kind: string;
  technicianId: string | null;
  assetId: string | null;
  owntracks: { user: string; device: string } | null;
}

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

const CACHE_MS = 30_000;

/**
 * Authenticates devices against the API's `devices` table. Successful checks are remembered for
 * 30 s by (device, secret digest, stored hash), so a reconnect storm costs one scrypt per device, not
 * one per connection; a rotated or revoked secret changes the stored hash or removes the row, and
 * takes effect within that window.
 */
@Injectable()
export class DeviceDirectory {
  private readonly verified = new Map<string, { device: KnownDevice; until: number }>();

  constructor(private readonly db: DatabaseService) {}

  async authenticate(deviceId: string, secret: string): Promise<KnownDevice | undefined> {
    const digest = createHash('sha256').update(secret).digest('base64url');
    const cacheKey = `${deviceId}\n${digest}`;
    const cached = this.verified.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.device;
    const { rows } = await this.db.query<Row>(
      `SELECT device_id, tenant_id, kind, technician_id, asset_id, owntracks_user, owntracks_device, secret_hash
         FROM devices WHERE device_id = $1 AND status = 'active'`,
      [deviceId],
    );
    const row = rows[0];
    if (!row || !(await verifySecret(secret, row.secret_hash))) {
      this.verified.delete(cacheKey);
      return undefined;
    }
    const device: KnownDevice = {
      deviceId: row.device_id,
      tenantId: row.tenant_id,
      kind: row.kind,
      technicianId: row.technician_id,
      assetId: row.asset_id,
      owntracks: row.owntracks_user && row.owntracks_device ? { user: row.owntracks_user, device: row.owntracks_device } : null,
    };
    if (this.verified.size > 50_000) this.verified.clear(); // bounded: a cache, not a store
    this.verified.set(cacheKey, { device, until: Date.now() + CACHE_MS });
    return device;
  }
}

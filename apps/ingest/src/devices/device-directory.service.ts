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

  private readonly known = new Map<string, { device: KnownDevice | undefined; until: number }>();

  /**
   * The device a topic names, without credentials: for scale-out mode, where the external broker has
   * already authenticated the connection and enforced the ACL. Cached like successful logins.
   */
  async byTopic(topic: string): Promise<KnownDevice | undefined> {
    const own = /^fieldline\/v1\/([^/]+)\//.exec(topic);
    const owntracks = /^owntracks\/([^/]+)\/([^/]+)/.exec(topic);
    const key = own ? `id:${own[1]}` : owntracks ? `ot:${owntracks[1]}/${owntracks[2]}` : undefined;
    if (!key) return undefined;
    const cached = this.known.get(key);
    if (cached && cached.until > Date.now()) return cached.device;
    const { rows } = own
      ? await this.db.query<Row>(`SELECT * FROM devices WHERE device_id = $1 AND status = 'active'`, [own[1]])
      : await this.db.query<Row>(`SELECT * FROM devices WHERE owntracks_user = $1 AND owntracks_device = $2 AND status = 'active'`, [owntracks![1], owntracks![2]]);
    const device = rows[0] ? toKnown(rows[0]) : undefined;
    if (this.known.size > 50_000) this.known.clear();
    this.known.set(key, { device, until: Date.now() + CACHE_MS });
    return device;
  }

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
    const device = toKnown(row);
    if (this.verified.size > 50_000) this.verified.clear(); // bounded: a cache, not a store
    this.verified.set(cacheKey, { device, until: Date.now() + CACHE_MS });
    return device;
  }
}

const toKnown = (row: Row): KnownDevice => ({
  deviceId: row.device_id,
  tenantId: row.tenant_id,
  kind: row.kind,
  technicianId: row.technician_id,
  assetId: row.asset_id,
  owntracks: row.owntracks_user && row.owntracks_device ? { user: row.owntracks_user, device: row.owntracks_device } : null,
});

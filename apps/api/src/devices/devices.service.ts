import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { type Device, type DeviceCommand, deviceDecider } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';
import { Clock, hashGeneratedSecret, newSecret, problem } from '#libs/platform';
import { DatabaseService, isUniqueViolation, type Queryable } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import { keysetPage } from '../common/pagination';
import { commandContext } from '../common/request-context';
import { CommandHandler } from '#libs/event-store';
import type { CallInfo } from '../jobs/jobs.service';
import type { ListDevicesQuery, ProvisionDeviceDto } from './dto/devices.dto';

interface DeviceRow {
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

const toView = (r: DeviceRow) => ({
  id: r.device_id,
  kind: r.kind,
  name: r.name,
  ...(r.technician_id ? { technicianId: r.technician_id } : {}),
  ...(r.asset_id ? { assetId: r.asset_id } : {}),
  ...(r.owntracks_user ? { owntracks: { user: r.owntracks_user, device: r.owntracks_device } } : {}),
  status: r.status,
  createdAt: r.created_at.toISOString(),
  secretRotatedAt: r.secret_rotated_at.toISOString(),
});
export type DeviceView = ReturnType<typeof toView>;

const notFound = (id: string) => problem(404, 'device-not-found', 'Not Found', `no device ${id}`, { code: 'DEVICE_NOT_FOUND' });

/**
 * Device credentials for ingest: provisioned, rotated and revoked here as events on the device's
 * stream; the `devices` table (what ingest authenticates against) is kept in the same transaction,
 * with the scrypt hash of the secret. The secret is returned once and never stored or logged.
 */
@Injectable()
export class DevicesService {
  constructor(
    private readonly clock: Clock,
    private readonly handler: CommandHandler,
    private readonly db: DatabaseService,
  ) {}

  async provision(call: CallInfo, input: ProvisionDeviceDto) {
    const deviceId = input.deviceId ?? `dev_${uuidv7()}`;
    const secret = newSecret();
    const secretHash = hashGeneratedSecret(secret);
    const subject = input.technicianId ? { technicianId: input.technicianId } : input.assetId ? { assetId: input.assetId } : {};
    try {
      await this.run(call, deviceId, { type: 'ProvisionDevice', data: { kind: input.kind, credentialId: `cred_${uuidv7()}`, ...subject } }, async (tx, _events, device) => {
        if (device.status !== 'active') return;
        await tx.query(
          `INSERT INTO devices (device_id, tenant_id, kind, name, secret_hash, technician_id, asset_id, owntracks_user, owntracks_device)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [deviceId, call.principal.tenantId, input.kind, input.name, secretHash, subject.technicianId ?? null, subject.assetId ?? null, input.owntracksUser ?? null, input.owntracksDevice ?? null],
        );
      });
    } catch (error) {
      // The device id (the MQTT client id) is unique across tenants; say so without telling whose it is.
      if (isUniqueViolation(error)) throw problem(409, 'device-id-taken', 'Conflict', `device id ${deviceId} is taken; choose another`);
      throw error;
    }
    return { device: await this.get(call.principal, deviceId), credentials: { deviceId, secret, note: 'shown once: put it on the device now' } };
  }

  async rotate(call: CallInfo, deviceId: string) {
    await this.get(call.principal, deviceId);
    const secret = newSecret();
    const secretHash = hashGeneratedSecret(secret);
    await this.run(call, deviceId, { type: 'RotateDeviceCredentials', data: { credentialId: `cred_${uuidv7()}` } }, (tx) =>
      tx.query('UPDATE devices SET secret_hash = $3, secret_rotated_at = now() WHERE tenant_id = $1 AND device_id = $2', [call.principal.tenantId, deviceId, secretHash]).then(() => undefined),
    );
    return { device: await this.get(call.principal, deviceId), credentials: { deviceId, secret, note: 'shown once; the old secret no longer works' } };
  }

  /**
   * A downlink command: recorded on the device's stream and published through the outbox; ingest
   * delivers it on the device's command topic (QoS 1, queued while the device is offline).
   */
  async command(call: CallInfo, deviceId: string, command: string, args?: Record<string, unknown>) {
    await this.get(call.principal, deviceId);
    const commandId = `cmd_${uuidv7()}`;
    await this.run(call, deviceId, { type: 'IssueDeviceCommand', data: { commandId, command, ...(args ? { args: plain(args) } : {}) } }, async () => undefined);
    return { commandId, deviceId, command, status: 'queued' };
  }

  /** Link, unlink, revoke: the devices row follows the folded state. */
  async change(call: CallInfo, deviceId: string, command: 'LinkDevice' | 'UnlinkDevice' | 'RevokeDevice', data: unknown) {
    await this.get(call.principal, deviceId);
    await this.run(call, deviceId, { type: command, data } as Pick<DeviceCommand, 'type' | 'data'>, async (tx, _events, device) => {
      const status = device.status === 'revoked' ? 'revoked' : 'active';
      const subject = device.status === 'active' ? device.subject : {};
      await tx.query(
        `UPDATE devices SET status = $3, technician_id = $4, asset_id = $5, revoked_at = CASE WHEN $3 = 'revoked' THEN coalesce(revoked_at, now()) END
          WHERE tenant_id = $1 AND device_id = $2`,
        [call.principal.tenantId, deviceId, status, subject.technicianId ?? null, subject.assetId ?? null],
      );
    });
    return this.get(call.principal, deviceId);
  }

  async get(principal: Principal, deviceId: string): Promise<DeviceView> {
    const { rows } = await this.db.query<DeviceRow>('SELECT * FROM devices WHERE tenant_id = $1 AND device_id = $2', [principal.tenantId, deviceId]);
    if (!rows[0]) throw notFound(deviceId);
    return toView(rows[0]);
  }

  /** Newest last; filters by technician, kind and status; keyset pages. */
  async list(principal: Principal, query: ListDevicesQuery) {
    const values: unknown[] = [principal.tenantId];
    const where = ['tenant_id = $1'];
    if (query.technicianId) where.push(`technician_id = $${values.push(query.technicianId)}`);
    if (query.kind) where.push(`kind = $${values.push(query.kind)}`);
    if (query.status) where.push(`status = $${values.push(query.status)}`);
    const { rows, nextCursor } = await keysetPage<DeviceRow>(this.db, {
      from: 'devices',
      where,
      values,
      sortKey: 'created_at::text',
      idColumn: 'device_id',
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    return { items: rows.map(toView), nextCursor };
  }

  private run(call: CallInfo, deviceId: string, command: Pick<DeviceCommand, 'type' | 'data'>, project: (tx: Queryable, events: FieldlineEvent[], device: Device) => Promise<void>) {
    return this.handler.handle({
      tenantId: call.principal.tenantId,
      streamId: deviceId,
      decider: deviceDecider(deviceId),
      command: { ...command, context: commandContext(this.clock, call.principal, call.correlationId) } as DeviceCommand,
      expectedVersion: call.ifMatch,
      project: (tx, events, device) => project(tx, events, device),
    });
  }
}

const plain = (value: object) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

import { Injectable } from '@nestjs/common';
import { newEventId as uuidv7 } from '#libs/events';
import { type Device, type DeviceCommand, deviceDecider } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';
import { CommandHandler, type Session } from '#libs/event-store';
import { Clock, CsrError, hashGeneratedSecret, newSecret, newSerial, verifiedCsrKey } from '#libs/platform';
import { DeviceAuthority } from './device-authority';
import type { Principal } from '../auth/principal';
import { commandContext } from '../common/request-context';
import type { CallInfo } from '../jobs/jobs.service';
import { DevicesError } from './devices.errors';
import { type DeviceCertificateRow, type DeviceRow, DevicesRepository } from './devices.repository';
import type { ListDevicesQuery, ProvisionDeviceDto } from './dto/devices.dto';

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

const toCertificateView = (r: DeviceCertificateRow) => ({
  serial: r.serial,
  fingerprint: r.fingerprint,
  notAfter: r.not_after.toISOString(),
  issuedAt: r.issued_at.toISOString(),
  ...(r.revoked_at ? { revokedAt: r.revoked_at.toISOString(), revokedReason: r.revoked_reason } : {}),
});

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
    private readonly repository: DevicesRepository,
    private readonly authority: DeviceAuthority,
  ) {}

  async provision(call: CallInfo, input: ProvisionDeviceDto) {
    const deviceId = input.deviceId ?? `dev_${uuidv7()}`;
    const secret = newSecret();
    const secretHash = hashGeneratedSecret(secret);
    const subject = input.technicianId ? { technicianId: input.technicianId } : input.assetId ? { assetId: input.assetId } : {};
    // A device id taken in any tenant: DevicesError DEVICE_ID_TAKEN from the insert.
    await this.run(call, deviceId, { type: 'ProvisionDevice', data: { kind: input.kind, credentialId: `cred_${uuidv7()}`, ...subject } }, async (session, _events, device) => {
      if (device.status !== 'active') return;
      await this.repository.insert(session, {
        deviceId,
        tenantId: call.principal.tenantId,
        kind: input.kind,
        name: input.name,
        secretHash,
        technicianId: subject.technicianId ?? null,
        assetId: subject.assetId ?? null,
        owntracksUser: input.owntracksUser ?? null,
        owntracksDevice: input.owntracksDevice ?? null,
      });
    });
    return { device: await this.get(call.principal, deviceId), credentials: { deviceId, secret, note: 'shown once: put it on the device now' } };
  }

  async rotate(call: CallInfo, deviceId: string) {
    await this.get(call.principal, deviceId);
    const secret = newSecret();
    const secretHash = hashGeneratedSecret(secret);
    await this.run(call, deviceId, { type: 'RotateDeviceCredentials', data: { credentialId: `cred_${uuidv7()}` } }, (session) =>
      this.repository.updateSecret(session, call.principal.tenantId, deviceId, secretHash),
    );
    return { device: await this.get(call.principal, deviceId), credentials: { deviceId, secret, note: 'shown once; the old secret no longer works' } };
  }

  /**
   * Signs the device's CSR with the device CA: a client certificate naming the device (CN), for MQTT
   * over TLS without a secret. The key never leaves the device; the certificate is recorded on the
   * device's stream and in `device_certificates` (what ingest checks) in one transaction.
   */
  async issueCertificate(call: CallInfo, deviceId: string, csr: string) {
    await this.get(call.principal, deviceId);
    if (!this.authority.enabled) throw DevicesError.certificatesOff();
    const publicKey = await verifiedCsrKey(csr).catch((error: unknown) => {
      throw error instanceof CsrError ? DevicesError.invalidCsr(error.message) : error;
    });
    const serial = newSerial();
    const issuedAt = this.clock.now();
    const signed = await this.authority.sign(deviceId, publicKey, serial, issuedAt);
    const data = { serial, fingerprint: signed.fingerprint, notAfter: signed.notAfter.toISOString() };
    await this.run(call, deviceId, { type: 'IssueDeviceCertificate', data }, (session) =>
      this.repository.insertCertificate(session, { serial, tenantId: call.principal.tenantId, deviceId, fingerprint: signed.fingerprint, notAfter: signed.notAfter, issuedAt }),
    );
    return { deviceId, ...data, certificate: signed.pem, caCertificate: signed.authority };
  }

  async certificates(principal: Principal, deviceId: string) {
    await this.get(principal, deviceId);
    return { items: (await this.repository.certificates(principal.tenantId, deviceId)).map(toCertificateView) };
  }

  /** Refused at the device's next TLS connect; ingest also closes the session it holds now. */
  async revokeCertificate(call: CallInfo, deviceId: string, serial: string, reason: string) {
    await this.get(call.principal, deviceId);
    await this.run(call, deviceId, { type: 'RevokeDeviceCertificate', data: { serial, reason } }, (session) =>
      this.repository.revokeCertificate(session, call.principal.tenantId, deviceId, serial, reason),
    );
    return this.certificates(call.principal, deviceId);
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
    await this.run(call, deviceId, { type: command, data } as Pick<DeviceCommand, 'type' | 'data'>, async (session, _events, device) => {
      const status = device.status === 'revoked' ? 'revoked' : 'active';
      const subject = device.status === 'active' ? device.subject : {};
      await this.repository.updateStatus(session, call.principal.tenantId, deviceId, status, subject);
    });
    return this.get(call.principal, deviceId);
  }

  async get(principal: Principal, deviceId: string): Promise<DeviceView> {
    const row = await this.repository.find(principal.tenantId, deviceId);
    if (!row) throw DevicesError.notFound(deviceId);
    return toView(row);
  }

  /** Newest last; filters by technician, kind and status; keyset pages. */
  async list(principal: Principal, query: ListDevicesQuery) {
    const { rows, nextCursor } = await this.repository.list(principal.tenantId, {
      technicianId: query.technicianId,
      kind: query.kind,
      status: query.status,
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
    return { items: rows.map(toView), nextCursor };
  }

  private run(call: CallInfo, deviceId: string, command: Pick<DeviceCommand, 'type' | 'data'>, project: (session: Session, events: FieldlineEvent[], device: Device) => Promise<void>) {
    return this.handler.handle({
      tenantId: call.principal.tenantId,
      streamId: deviceId,
      decider: deviceDecider(deviceId),
      command: { ...command, context: commandContext(this.clock, call.principal, call.correlationId) } as DeviceCommand,
      expectedVersion: call.ifMatch,
      project: (session, events, device) => project(session, events, device),
    });
  }
}

const plain = (value: object) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

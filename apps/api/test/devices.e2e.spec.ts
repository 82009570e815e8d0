import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { verifySecret } from '#libs/platform';
import type { AppProcess } from '../../../test/support/app-process';
import type { ApiClient } from '../../../test/support/api-client';
import { must, newTenant, startApi, type Tenant } from '../../../test/support/api';

// Device credentials for ingest: provisioned, rotated and revoked over HTTP; what ingest reads (the
// devices table) checked directly, since that is the contract between the two apps.

let app: AppProcess;
let http: ApiClient;
let acme: Tenant;
let db: Pool;

beforeAll(async () => {
  ({ app, http } = await startApi());
  acme = await newTenant(http);
  db = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
});
afterAll(async () => {
  await app?.stop();
  await db?.end();
});

const stored = async (deviceId: string) =>
  (await db.query('SELECT tenant_id, secret_hash, status, technician_id FROM devices WHERE device_id = $1', [deviceId])).rows[0];

it('provisions a device with a secret shown once and stored only as a hash', async () => {
  const reply = await acme.dispatcher.post('/devices', { kind: 'phone', name: "Tech's phone", technicianId: acme.technicianId, owntracksUser: 'tech', owntracksDevice: 'phone' });
  expect(reply.status).toBe(201);
  const { device, credentials } = reply.body;
  expect(device).toMatchObject({ kind: 'phone', technicianId: acme.technicianId, status: 'active', owntracks: { user: 'tech', device: 'phone' } });
  const row = await stored(device.id);
  expect(row.tenant_id).toBe(acme.tenantId);
  expect(row.secret_hash).not.toContain(credentials.secret);
  await expect(verifySecret(credentials.secret, row.secret_hash)).resolves.toBe(true);
  expect(JSON.stringify(await must(acme.dispatcher.get(`/devices/${device.id}`)))).not.toContain(credentials.secret);
});

it('rotates: the new secret verifies, the old one no longer does', async () => {
  const { device, credentials: first } = await must(acme.admin.post('/devices', { kind: 'tracker', name: 'Van 7', assetId: 'van_7' }));
  const { credentials: second } = await must(acme.admin.post(`/devices/${device.id}/rotate`));
  const row = await stored(device.id);
  await expect(verifySecret(second.secret, row.secret_hash)).resolves.toBe(true);
  await expect(verifySecret(first.secret, row.secret_hash)).resolves.toBe(false);
});

it('relinks, unlinks and revokes, with every change in the device history', async () => {
  const { device } = await must(acme.admin.post('/devices', { kind: 'phone', name: 'spare', technicianId: acme.technicianId }));
  expect((await must(acme.admin.post(`/devices/${device.id}/link`, { technicianId: 'tech_other' }))).technicianId).toBe('tech_other');
  expect((await must(acme.admin.post(`/devices/${device.id}/unlink`, {}))).technicianId).toBeUndefined();
  expect((await must(acme.admin.post(`/devices/${device.id}/revoke`, { reason: 'lost' }))).status).toBe('revoked');
  expect((await stored(device.id)).status).toBe('revoked');
  const again = await acme.admin.post(`/devices/${device.id}/rotate`);
  expect(again).toMatchObject({ status: 409, body: { code: 'DEVICE_REVOKED' } });
  const { rows } = await db.query('SELECT type FROM events WHERE tenant_id = $1 AND stream_id = $2 ORDER BY stream_position', [acme.tenantId, device.id]);
  expect(rows.map((r) => r.type)).toEqual([
    'device.provisioned',
    'device.credentials_rotated',
    'device.unlinked',
    'device.linked',
    'device.unlinked',
    'device.revoked',
  ]);
});

it('keeps device ids unique across tenants without telling whose it is, and isolates tenants', async () => {
  const deviceId = `dev_${randomUUID().slice(0, 8)}`;
  await must(acme.admin.post('/devices', { deviceId, kind: 'gateway', name: 'gw' }));
  const other = await newTenant(http);
  const clash = await other.admin.post('/devices', { deviceId, kind: 'gateway', name: 'mine' });
  expect(clash.status).toBe(409);
  expect(JSON.stringify(clash.body)).not.toContain(acme.tenantId);
  expect((await other.admin.get(`/devices/${deviceId}`)).status).toBe(404);
  expect((await other.admin.post(`/devices/${deviceId}/rotate`)).status).toBe(404);
  expect((await other.admin.post(`/devices/${deviceId}/revoke`, { reason: 'x' })).status).toBe(404);
});

it('is closed to technicians', async () => {
  expect((await acme.technician.post('/devices', { kind: 'phone', name: 'x' })).status).toBe(403);
});

it('queues a downlink command as an event on the device stream (ingest delivers it)', async () => {
  const { device } = await must(acme.admin.post('/devices', { kind: 'tracker', name: 'cmd', assetId: 'van_9' }));
  const reply = await acme.dispatcher.post(`/devices/${device.id}/commands`, { command: 'set_interval', args: { seconds: 30 } });
  expect(reply.status).toBe(202);
  expect(reply.body).toMatchObject({ deviceId: device.id, command: 'set_interval', status: 'queued', commandId: expect.stringMatching(/^cmd_/) });
  const { rows } = await db.query("SELECT data FROM events WHERE tenant_id = $1 AND stream_id = $2 AND type = 'device.command_issued'", [acme.tenantId, device.id]);
  expect(rows.map((r) => r.data)).toEqual([{ deviceId: device.id, commandId: reply.body.commandId, command: 'set_interval', args: { seconds: 30 } }]);
  expect((await acme.dispatcher.post(`/devices/${device.id}/commands`, { command: 'Reboot Now' })).status).toBe(400);
});

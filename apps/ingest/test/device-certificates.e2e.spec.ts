import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { createAuthority, createClientCertificate, createClientKeyAndCsr, verifiedCsrKey } from '#libs/platform';
import { type DevelopmentTls, ensureDevelopmentTls } from '../../../tools/stack/development-tls';
import { newTenant, startApi, type Tenant } from '../../../test/support/api';
import type { AppProcess } from '../../../test/support/app-process';
import { mqttPortOf, startTlsIngest } from '../../../test/support/devices';
import { eventually } from '../../../test/support/events';

// Device certificates (mutual TLS), as an integrator and a device would use them: the device makes a
// key and a CSR with openssl, the API signs it with the deployment's device CA, and mosquitto_pub
// connects with --cert/--key and no password. Revoking it closes the live session and refuses the
// next connect; a certificate from another CA, or for another device, logs nothing in.

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'fieldline-mtls-'));
let tls: DevelopmentTls;
let api: AppProcess;
let ingest: AppProcess;
let acme: Tenant;
let other: Tenant;
let deviceId: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  tls = await ensureDevelopmentTls(dir);
  const started = await startApi({ DEVICE_CA_CERT_FILE: tls.deviceCaFile, DEVICE_CA_KEY_FILE: tls.deviceCaKeyFile });
  api = started.app;
  [acme, other] = await Promise.all([newTenant(started.http), newTenant(started.http)]);
  ingest = await startTlsIngest(tls, { MQTT_DEVICE_CA_FILE: tls.deviceCaFile });
  const provisioned = await acme.admin.post('/devices', { kind: 'phone', name: 'mTLS phone', technicianId: acme.technicianId });
  expect(provisioned.status).toBe(201);
  deviceId = provisioned.body.device.id;
  // the device's own key and CSR, as a device makes them
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('device.key'), '-subj', '/CN=whatever-the-device-says', '-out', file('device.csr')]);
}, 120_000);

afterAll(async () => {
  await Promise.all([api?.stop(), ingest?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** mosquitto_pub over TLS with a client certificate and no password; resolves on the PUBACK. */
const publishWithCertificate = (cert: string, key: string, clientId = deviceId) =>
  run('mosquitto_pub', ['-h', 'localhost', '-p', String(mqttPortOf(ingest, 'tls')), '--cafile', tls.caFile, '--cert', cert, '--key', key, '-q', '1', '-i', clientId, '-t', `fieldline/v1/${deviceId}/status`, '-m', '{"battery":77}']);

let serial: string;

it('signs the device’s CSR: a client certificate naming the device, with the device CA’s certificate', async () => {
  const reply = await acme.admin.post(`/devices/${deviceId}/certificate`, { csr: readFileSync(file('device.csr'), 'utf8') });
  expect(reply.status).toBe(201);
  expect(reply.body).toMatchObject({ deviceId, serial: expect.stringMatching(/^[0-9a-f]+$/), fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), caCertificate: readFileSync(tls.deviceCaFile, 'utf8') });
  serial = reply.body.serial;
  writeFileSync(file('device.pem'), reply.body.certificate);
  const { stdout } = await run('openssl', ['x509', '-in', file('device.pem'), '-noout', '-subject', '-ext', 'extendedKeyUsage']);
  expect(stdout).toMatch(new RegExp(`CN ?= ?${deviceId}`)); // the device's id, not what its CSR asked for
  expect(stdout).toMatch(/TLS Web Client Authentication/);
  await expect(run('openssl', ['verify', '-CAfile', tls.deviceCaFile, file('device.pem')])).resolves.toMatchObject({ stdout: expect.stringMatching(/OK/) });
  const listed = await acme.dispatcher.get(`/devices/${deviceId}/certificates`);
  expect(listed.body.items).toEqual([expect.objectContaining({ serial, fingerprint: reply.body.fingerprint })]);
});

it('connects mosquitto_pub with the certificate and no password (QoS 1 acknowledged)', async () => {
  await expect(publishWithCertificate(file('device.pem'), file('device.key'))).resolves.toBeDefined();
});

it('refuses a certificate from another CA, and this device’s certificate for another client id', async () => {
  const stranger = await createAuthority('Not the device CA', new Date());
  const made = await createClientKeyAndCsr(deviceId);
  writeFileSync(file('stranger.pem'), await createClientCertificate(stranger, deviceId, await verifiedCsrKey(made.csr), { serial: '01', now: new Date(), validDays: 30 }));
  writeFileSync(file('stranger.key'), made.key);
  await expect(publishWithCertificate(file('stranger.pem'), file('stranger.key'))).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|refused|Connection error/i) });
  await expect(publishWithCertificate(file('device.pem'), file('device.key'), 'dev_someone_else')).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|refused|Connection error/i) });
});

it('keeps certificates in their tenant: another tenant can neither sign for the device nor list or revoke its certificates', async () => {
  const csr = readFileSync(file('device.csr'), 'utf8');
  expect((await other.admin.post(`/devices/${deviceId}/certificate`, { csr })).status).toBe(404);
  expect((await other.admin.get(`/devices/${deviceId}/certificates`)).status).toBe(404);
  expect((await other.admin.post(`/devices/${deviceId}/certificates/${serial}/revoke`, { reason: 'probe' })).status).toBe(404);
});

it('answers a bad CSR with a 422 problem that says what is wrong', async () => {
  const csr = readFileSync(file('device.csr'), 'utf8');
  const tampered = csr.replace(/(\n[A-Za-z0-9+/]{20})([A-Za-z0-9+/])/, (_m, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`);
  for (const bad of [tampered, '-----BEGIN CERTIFICATE REQUEST-----\nnot base64 at all\n-----END CERTIFICATE REQUEST-----']) {
    const reply = await acme.admin.post(`/devices/${deviceId}/certificate`, { csr: bad });
    expect(reply.status).toBe(422);
    expect(reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(reply.body.detail).toMatch(/csr/);
  }
  expect((await acme.admin.post(`/devices/${deviceId}/certificate`, { csr: 'hello' })).status).toBe(400);
});

it('revoking the certificate closes the session it holds and refuses its next connect', async () => {
  const live = await mqtt.connectAsync(`mqtts://localhost:${mqttPortOf(ingest, 'tls')}`, {
    clientId: deviceId,
    ca: readFileSync(tls.caFile),
    cert: readFileSync(file('device.pem')),
    key: readFileSync(file('device.key')),
    reconnectPeriod: 0,
  });
  const closed = new Promise<void>((resolve) => live.once('close', () => resolve()));
  const reply = await acme.admin.post(`/devices/${deviceId}/certificates/${serial}/revoke`, { reason: 'phone lost' });
  expect(reply.status).toBe(200);
  expect(reply.body.items[0]).toMatchObject({ serial, revokedAt: expect.any(String), revokedReason: 'phone lost' });
  await eventually('the live session closed', async () => ((await Promise.race([closed.then(() => true), new Promise((r) => setTimeout(r, 100))])) ? true : undefined), 20_000);
  await expect(publishWithCertificate(file('device.pem'), file('device.key'))).rejects.toMatchObject({ stderr: expect.stringMatching(/not authori[sz]ed|refused|Connection error/i) });
  expect((await acme.admin.post(`/devices/${deviceId}/certificates/${serial}/revoke`, { reason: 'again' })).status).toBe(404);
});

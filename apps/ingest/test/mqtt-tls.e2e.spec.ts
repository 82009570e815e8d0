import { execFile } from 'node:child_process';
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { createAuthority, createServerCertificate } from '#libs/platform';
import { type DevelopmentTls, ensureDevelopmentTls } from '../../../tools/stack/development-tls';
import type { AppProcess } from '../../../test/support/app-process';
import { insertDevice, mqttPortOf, startTlsIngest } from '../../../test/support/devices';
import { eventually } from '../../../test/support/events';

// Devices over TLS, with the clients devices use: Debian's mosquitto_pub trusting the deployment's CA,
// mqtt.js over TLS and over secure WebSocket; a client trusting another CA is refused; with plaintext
// off nothing listens in clear; a renewed certificate is served without a restart.

const run = promisify(execFile);
const tenantId = `tnt_tls_${randomUUID().slice(0, 8)}`;
const device = { id: `dev_tls_${randomUUID().slice(0, 8)}`, secret: 'tls-secret-0123456789' };
const dir = mkdtempSync(join(tmpdir(), 'fieldline-tls-'));
let tls: DevelopmentTls;
let wrongCaFile: string;
let ingest: AppProcess;
const clients: mqtt.MqttClient[] = [];

beforeAll(async () => {
  tls = await ensureDevelopmentTls(dir);
  wrongCaFile = join(dir, 'wrong-ca.pem');
  writeFileSync(wrongCaFile, (await createAuthority('Some other CA', new Date())).cert);
  await insertDevice({ ...device, tenantId, technicianId: 'tech_tls' });
  ingest = await startTlsIngest(tls, { TLS_RELOAD_INTERVAL_MS: '200' });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await ingest?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const mosquittoPub = (caFile: string) =>
  run('mosquitto_pub', ['-h', 'localhost', '-p', String(mqttPortOf(ingest, 'tls')), '--cafile', caFile, '-q', '1', '-i', device.id, '-u', device.id, '-P', device.secret, '-t', `fieldline/v1/${device.id}/status`, '-m', '{"battery":80}']);

it('listens only over TLS when plaintext is off: MQTT over TLS and over secure WebSocket, nothing in clear', () => {
  expect(mqttPortOf(ingest, 'tls')).toBeGreaterThan(0);
  expect(mqttPortOf(ingest, 'wss')).toBeGreaterThan(0);
  expect(mqttPortOf(ingest, 'tcp')).toBeUndefined();
  expect(mqttPortOf(ingest, 'ws')).toBeUndefined();
  expect(ingest.url).toMatch(/^https:/); // the health and OsmAnd port too
});

it('takes a QoS 1 publish from mosquitto_pub trusting the deployment CA, and mosquitto_pub trusting another CA refuses the server', async () => {
  await expect(mosquittoPub(tls.caFile)).resolves.toBeDefined();
  await expect(mosquittoPub(wrongCaFile)).rejects.toMatchObject({ stderr: expect.stringMatching(/certificate verify failed|TLS|protocol error/i) });
});

it('connects mqtt.js over TLS and over secure WebSocket with the CA, and refuses them without it', async () => {
  const ca = readFileSync(tls.caFile);
  const options = { clientId: device.id, username: device.id, password: device.secret, reconnectPeriod: 0, ca, servername: 'localhost' };
  for (const url of [`mqtts://localhost:${mqttPortOf(ingest, 'tls')}`, `wss://localhost:${mqttPortOf(ingest, 'wss')}/mqtt`]) {
    const client = await mqtt.connectAsync(url, options);
    clients.push(client);
    expect(client.connected).toBe(true);
    await client.endAsync();
    await expect(mqtt.connectAsync(url, { ...options, ca: readFileSync(wrongCaFile), clientId: `${device.id}:wrong` })).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  }
});

it('serves a renewed certificate without a restart', async () => {
  const servedSerial = () =>
    new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: mqttPortOf(ingest, 'tls')!, servername: 'localhost', ca: readFileSync(tls.caFile) }, () => {
        resolve(socket.getPeerCertificate().serialNumber.toLowerCase());
        socket.end();
      });
      socket.on('error', reject);
    });
  const before = await servedSerial();
  const ca = { cert: readFileSync(tls.caFile, 'utf8'), key: readFileSync(join(dir, 'ca-key.pem'), 'utf8') };
  const renewed = await createServerCertificate(ca, ['localhost', '127.0.0.1'], new Date());
  writeFileSync(tls.keyFile, renewed.key);
  writeFileSync(tls.certFile, renewed.cert);
  const expected = new X509Certificate(renewed.cert).serialNumber.toLowerCase();
  expect(expected).not.toBe(before);
  await eventually('the renewed certificate served', async () => ((await servedSerial()) === expected ? true : undefined), 10_000);
  expect(ingest.lines.some((line) => line.includes('"tls.reloaded"'))).toBe(true);
});

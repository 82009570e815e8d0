// Certificates for development under .data/tls: a local CA, a server certificate for this machine
// (localhost, 127.0.0.1, ::1, its host name) that every app's TLS listener uses, and a device CA that
// signs device certificates (mutual TLS). Made once, again when a certificate is within 30 days of
// its end. Production brings its own (docs/security.md).
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createAuthority, createServerCertificate, type PemPair } from '../../libs/platform/src/security/x509';
import { dataDir } from './stack.config';

export interface DevelopmentTls {
  dir: string;
  /** The CA clients trust (mosquitto_pub --cafile, NODE_EXTRA_CA_CERTS, a browser's authorities). */
  caFile: string;
  certFile: string;
  keyFile: string;
  deviceCaFile: string;
  deviceCaKeyFile: string;
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

export const developmentTlsFiles = (dir = join(dataDir, 'tls')): DevelopmentTls => ({
  dir,
  caFile: join(dir, 'ca.pem'),
  certFile: join(dir, 'server.pem'),
  keyFile: join(dir, 'server-key.pem'),
  deviceCaFile: join(dir, 'device-ca.pem'),
  deviceCaKeyFile: join(dir, 'device-ca-key.pem'),
});

const fresh = (file: string, now: Date) => existsSync(file) && new X509Certificate(readFileSync(file)).validToDate.getTime() - now.getTime() > RENEW_BEFORE_MS;

function write(certFile: string, keyFile: string, pair: PemPair): void {
  writeFileSync(keyFile, pair.key, { mode: 0o600 });
  writeFileSync(certFile, pair.cert);
}

/** The development certificates, made or renewed when needed; `made` says whether anything was written. */
export async function ensureDevelopmentTls(dir?: string, now = new Date()): Promise<DevelopmentTls & { made: boolean }> {
  const files = developmentTlsFiles(dir);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  let made = false;
  const caKeyFile = join(files.dir, 'ca-key.pem');
  if (!fresh(files.caFile, now) || !existsSync(caKeyFile)) {
    write(files.caFile, caKeyFile, await createAuthority('Fieldline development CA', now));
    made = true;
  }
  if (made || !fresh(files.certFile, now)) {
    const ca = { cert: readFileSync(files.caFile, 'utf8'), key: readFileSync(caKeyFile, 'utf8') };
    write(files.certFile, files.keyFile, await createServerCertificate(ca, ['localhost', '127.0.0.1', '::1', hostname()], now));
    made = true;
  }
  if (!fresh(files.deviceCaFile, now) || !existsSync(files.deviceCaKeyFile)) {
    write(files.deviceCaFile, files.deviceCaKeyFile, await createAuthority('Fieldline development device CA', now));
    made = true;
  }
  return { ...files, made };
}

import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

// Loaded on first use: only the API (device certificates) and the tools need it, not every app's start.
let loaded: Promise<typeof X509> | undefined;
const lib = (): Promise<typeof X509> =>
  (loaded ??= (async () => {
    await import('reflect-metadata'); // its dependency injection needs the metadata API first
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as never); // Node's WebCrypto; its types differ from the DOM's the library is typed against
    return x509;
  })());

type Key = import('node:crypto').webcrypto.CryptoKey;
type KeyPair = import('node:crypto').webcrypto.CryptoKeyPair;

/** ECDSA P-256 with SHA-256: every TLS stack and MQTT client library of the last decade speaks it. */
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate and its private key, both PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

const pemKey = async (key: Key) => (await lib()).PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
/** 16 random bytes, the high bit clear (a positive DER integer), as RFC 5280 §4.1.2.2 asks of a serial. */
export const newSerial = (): string => {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
};
const days = (from: Date, n: number) => new Date(from.getTime() + n * 86_400_000);
const generateKeys = () => webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<KeyPair>;
const importSigningKey = (pem: string) =>
  webcrypto.subtle.importKey('pkcs8', createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }), EC, false, ['sign']) as Promise<Key>;

/** A self-signed certificate authority (a development CA, the device CA). */
export async function createAuthority(name: string, now: Date, validDays = 3650): Promise<PemPair> {
  const x509 = await lib();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    serialNumber: newSerial(),
    notBefore: now,
    notAfter: days(now, validDays),
    keys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/** A server certificate for `hosts` (DNS names and IP addresses), signed by `authority`. */
export async function createServerCertificate(authority: PemPair, hosts: string[], now: Date, validDays = 825): Promise<PemPair> {
  const x509 = await lib();
  const keys = await generateKeys();
  const cert = await sign(authority, {
    subject: `CN=${hosts[0]}`,
    publicKey: keys.publicKey,
    now,
    validDays,
    extensions: [
      new x509.SubjectAlternativeNameExtension(hosts.map((host) => (/^[\d.]+$|:/.test(host) ? { type: 'ip' as const, value: host } : { type: 'dns' as const, value: host }))),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return { cert, key: await pemKey(keys.privateKey) };
}

/** A client certificate for a key pair made here (tests, tools): what a device would get for its CSR. */
export async function createClientKeyAndCsr(commonName: string): Promise<{ csr: string; key: string }> {
  const x509 = await lib();
  const keys = await generateKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: EC });
  return { csr: csr.toString('pem'), key: await pemKey(keys.privateKey) };
}

export class CsrError extends Error {}

/** The public key of a certificate signing request, once its self-signature is checked. */
export async function verifiedCsrKey(pem: string): Promise<X509.PublicKey> {
  const x509 = await lib();
  let csr: X509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw new CsrError('csr: not a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)');
  }
  const algorithm = csr.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  const allowed =
    (algorithm.name === 'ECDSA' && ['P-256', 'P-384'].includes(algorithm.namedCurve ?? '')) ||
    algorithm.name === 'Ed25519' ||
    (algorithm.name.startsWith('RSA') && (algorithm.modulusLength ?? 0) >= 2048);
  if (!allowed) throw new CsrError('csr: the key must be ECDSA P-256/P-384, Ed25519 or RSA of at least 2048 bits');
  if (!(await csr.verify().catch(() => false))) throw new CsrError('csr: its signature does not match its key (was it edited?)');
  return csr.publicKey;
}

/** A client certificate (TLS client authentication) for `commonName`, signed by `authority`. */
export async function createClientCertificate(
  authority: PemPair,
  commonName: string,
  publicKey: X509.PublicKey | Key,
  options: { serial: string; now: Date; validDays: number },
): Promise<string> {
  const x509 = await lib();
  return sign(authority, {
    subject: `CN=${commonName}`,
    publicKey,
    serial: options.serial,
    now: options.now,
    validDays: options.validDays,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.BasicConstraintsExtension(false),
    ],
  });
}

async function sign(
  authority: PemPair,
  params: { subject: string; publicKey: X509.PublicKey | Key; now: Date; validDays: number; extensions: X509.Extension[]; serial?: string },
): Promise<string> {
  const x509 = await lib();
  const issuer = new x509.X509Certificate(authority.cert);
  const cert = await x509.X509CertificateGenerator.create({
    subject: params.subject,
    issuer: issuer.subject,
    serialNumber: params.serial ?? newSerial(),
    notBefore: new Date(params.now.getTime() - 60_000), // a minute of slack for clocks a little behind
    notAfter: days(params.now, params.validDays),
    publicKey: params.publicKey,
    signingKey: await importSigningKey(authority.key),
    signingAlgorithm: EC,
    extensions: [...params.extensions, await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey)],
  });
  return cert.toString('pem');
}

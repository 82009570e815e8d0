import { createDecipheriv, createECDH, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A local stand-in for a browser's push service: it holds each subscription's private keys, decrypts
// what arrives (RFC 8291 over RFC 8188 aes128gcm, written here with node:crypto so the test does not
// trust web-push's own code) and checks the VAPID JWT (RFC 8292: ES256, aud = this origin, sub).

const b64u = (b: Buffer) => b.toString('base64url');
const hkdf = (salt: Buffer, ikm: Buffer, info: Buffer, length: number) => Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

/** A browser's subscription keys: what it sends the server (public) and keeps (private). */
export interface BrowserKeys {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  json: { p256dh: string; auth: string };
}

export function browserKeys(): BrowserKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, json: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
}

/** RFC 8291 §3.4 + RFC 8188 §2: one record, the application server's public key as key id. */
export function decryptPush(body: Buffer, keys: BrowserKeys): string {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const serverPublic = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const shared = keys.ecdh.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.ecdh.getPublicKey(), serverPublic]);
  const ikm = hkdf(keys.auth, shared, keyInfo, 32);
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(-16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, -16)), decipher.final()]);
  // the last record: the data, a 0x02 delimiter, then zero padding
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end).toString('utf8');
}

export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
}

/** `Authorization: vapid t=<jwt>, k=<key>`: the key, and the JWT's claims once its ES256 signature checks out with it. */
export function checkVapid(authorization: string | undefined): { key: string; claims: VapidClaims } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization ?? '');
  if (!match) throw new Error(`not a VAPID authorization: ${authorization}`);
  const [, jwt = '', key = ''] = match;
  const [header = '', payload = '', signature = ''] = jwt.split('.');
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') throw new Error('not ES256');
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) }, format: 'jwk' });
  const valid = verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!valid) throw new Error('VAPID signature does not verify');
  return { key, claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) as VapidClaims };
}

export interface PushDelivery {
  /** The subscription's path on this receiver. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The decrypted message, or why it could not be. */
  message?: unknown;
  error?: string;
  vapid?: { key: string; claims: VapidClaims };
}

export interface PushReceiver {
  origin: string;
  deliveries: PushDelivery[];
  /** A new subscription on this receiver: its endpoint and keys, as a browser's PushSubscription.toJSON(). */
  subscribe(): { endpoint: string; keys: BrowserKeys; json: { endpoint: string; keys: { p256dh: string; auth: string } } };
  /** What the receiver answers a subscription (201 unless told). */
  answer(endpoint: string, status: (attempt: number) => number): void;
  close(): Promise<void>;
}

/** The receiver on loopback, plain http (the API allows 127.0.0.1 over http by PUSH_ALLOWED_HOSTS / PUSH_ALLOW_HTTP). */
export async function startPushReceiver(): Promise<PushReceiver> {
  const subscriptions = new Map<string, { keys: BrowserKeys; status: (attempt: number) => number; attempts: number }>();
  const deliveries: PushDelivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sub = subscriptions.get(req.url ?? '');
      if (!sub) return void res.writeHead(404).end();
      const delivery: PushDelivery = { path: req.url ?? '', headers: req.headers };
      try {
        delivery.vapid = checkVapid(req.headers.authorization);
        delivery.message = JSON.parse(decryptPush(Buffer.concat(chunks), sub.keys));
      } catch (error) {
        delivery.error = (error as Error).message;
      }
      deliveries.push(delivery);
      sub.attempts += 1;
      res.writeHead(sub.status(sub.attempts)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let made = 0;
  return {
    origin,
    deliveries,
    subscribe() {
      const keys = browserKeys();
      const pathname = `/push/${++made}`;
      subscriptions.set(pathname, { keys, status: () => 201, attempts: 0 });
      const endpoint = `${origin}${pathname}`;
      return { endpoint, keys, json: { endpoint, keys: keys.json } };
    },
    answer(endpoint, status) {
      subscriptions.get(new URL(endpoint).pathname)!.status = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A VAPID key for a test API (VAPID_PRIVATE_KEY_FILE): made per test process, never kept in the repository. */
export function newVapidKeyFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fieldline-vapid-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'vapid.pem');
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  writeFileSync(file, pem, { mode: 0o600 });
  return file;
}

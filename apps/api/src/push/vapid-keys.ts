import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The VAPID key pair as web-push and browsers take it: base64url of the raw P-256 point (65 bytes) and scalar (32 bytes). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/** From the PEM file (VAPID_PRIVATE_KEY_FILE); throws unless it is an EC P-256 private key. */
export function vapidKeysFromPem(pem: string, subject: string): VapidKeys {
  const key = createPrivateKey(pem);
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.x || !jwk.y) throw new Error('VAPID_PRIVATE_KEY_FILE must hold an EC P-256 private key (openssl ecparam -name prime256v1 -genkey)');
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  return { publicKey: point.toString('base64url'), privateKey: jwk.d, subject };
}

export function vapidKeysFromEnv(env: { VAPID_PRIVATE_KEY_FILE?: string; VAPID_SUBJECT?: string }): VapidKeys | undefined {
  if (!env.VAPID_PRIVATE_KEY_FILE) return undefined;
  return vapidKeysFromPem(readFileSync(env.VAPID_PRIVATE_KEY_FILE, 'utf8'), env.VAPID_SUBJECT!);
}

import { createHmac } from 'node:crypto';

/** An RTCIceServer the browser uses to relay media when no direct path works (restrictive networks). */
export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

/**
 * Short-lived TURN credentials in the TURN REST scheme that coturn's `use-auth-secret` checks: the
 * username is `<expiry unix seconds>:<user id>`, the password base64(HMAC-SHA1(shared secret, username)).
 * Nothing is stored; the relay recomputes and refuses an expired username.
 */
export function turnCredentials(config: { urls: string[]; secret: string; ttlS: number }, userId: string, nowMs: number): IceServer {
  const username = `${Math.floor(nowMs / 1000) + config.ttlS}:${userId}`;
  return { urls: config.urls, username, credential: createHmac('sha1', config.secret).update(username).digest('base64') };
}

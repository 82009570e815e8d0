import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, verifySecret } from '#libs/platform';
import { type DeviceCredentials, DeviceRepository, type KnownDevice } from './device.repository';

const CACHE_MS = 30_000;
/** Bounded: a cache, not a store. */
const CACHE_MAX = 50_000;

/**
 * Authenticates devices against the API's `devices` table. Successful checks are remembered for
 * 30 s by (device, secret digest), so a reconnect storm costs one scrypt per device, not
 * one per connection; a rotated or revoked secret changes the stored hash or removes the row, and
 * takes effect within that window.
 */
@Injectable()
export class DeviceDirectory {
  private readonly verified = new Map<string, { device: KnownDevice; until: number }>();
  private readonly known = new Map<string, { device: KnownDevice | undefined; until: number }>();

  constructor(
    private readonly repository: DeviceRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The device a topic names, without credentials: for scale-out mode, where the external broker has
   * already authenticated the connection and enforced the ACL. Cached like successful logins (and so
   * is the answer that no active device owns the topic).
   */
  async byTopic(topic: string): Promise<KnownDevice | undefined> {
    const own = /^fieldline\/v1\/([^/]+)\//.exec(topic);
    const owntracks = /^owntracks\/([^/]+)\/([^/]+)/.exec(topic);
    const key = own ? `id:${own[1]}` : owntracks ? `ot:${owntracks[1]}/${owntracks[2]}` : undefined;
    if (!key) return undefined;
    const cached = this.known.get(key);
    if (cached && cached.until > this.nowMs()) return cached.device;
    const found = own ? await this.repository.findActive(own[1]!) : await this.repository.findActiveByOwnTracks(owntracks![1]!, owntracks![2]!);
    const device = found && withoutSecret(found);
    if (this.known.size > CACHE_MAX) this.known.clear();
    this.known.set(key, { device, until: this.nowMs() + CACHE_MS });
    return device;
  }

  /** The device, when the secret is its own; undefined otherwise. Throws when the table cannot be read. */
  async authenticate(deviceId: string, secret: string): Promise<KnownDevice | undefined> {
    const digest = createHash('sha256').update(secret).digest('base64url');
    const cacheKey = `${deviceId}\n${digest}`;
    const cached = this.verified.get(cacheKey);
    if (cached && cached.until > this.nowMs()) return cached.device;
    const found = await this.repository.findActive(deviceId);
    if (!found || !(await verifySecret(secret, found.secretHash))) {
      this.verified.delete(cacheKey);
      return undefined;
    }
    const device = withoutSecret(found);
    if (this.verified.size > CACHE_MAX) this.verified.clear();
    this.verified.set(cacheKey, { device, until: this.nowMs() + CACHE_MS });
    return device;
  }

  /**
   * The device a verified client certificate (SHA-256 fingerprint, hex) was issued to, with the
   * certificate's serial. Not cached: a revoked certificate is refused at its very next connect.
   */
  async byCertificate(fingerprint: string): Promise<(KnownDevice & { serial: string }) | undefined> {
    const found = await this.repository.findActiveByCertificate(fingerprint, this.clock.now());
    return found && { ...withoutSecret(found), serial: found.serial };
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}

/** The hash stays here: a KnownDevice travels on (broker clients, presence, logs). */
const withoutSecret = ({ secretHash: _secretHash, ...device }: DeviceCredentials): KnownDevice => device;

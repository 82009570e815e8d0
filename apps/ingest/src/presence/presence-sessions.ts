import type { KnownDevice } from '../devices/device.repository';

interface Tracked {
  device: KnownDevice;
  sessions: Set<string>;
  /** Epoch ms. */
  lastSeen: number;
  stale: boolean;
}

/**
 * Presence per device, not per connection: a device is online from its first session to the end of
 * its last, so a phone with two sessions does not flap; stale once when it stays silent, again only
 * after it spoke. Pure bookkeeping: the time comes in, what changed goes out.
 */
export class PresenceSessions {
  private readonly devices = new Map<string, Tracked>();

  /** A session of the device opened; true when it is the device's first (the device came online). */
  open(device: KnownDevice, sessionId: string, now: number): boolean {
    const entry = this.devices.get(device.deviceId) ?? { device, sessions: new Set<string>(), lastSeen: now, stale: false };
    const first = entry.sessions.size === 0;
    entry.sessions.add(sessionId);
    entry.lastSeen = now;
    this.devices.set(device.deviceId, entry);
    return first;
  }

  /** A session closed; true when it was the device's last (the device went offline). */
  close(deviceId: string, sessionId: string): boolean {
    const entry = this.devices.get(deviceId);
    if (!entry || !entry.sessions.delete(sessionId)) return false;
    if (entry.sessions.size > 0) return false;
    this.devices.delete(deviceId);
    return true;
  }

  /** The device sent something. */
  seen(deviceId: string, now: number): void {
    const entry = this.devices.get(deviceId);
    if (!entry) return;
    entry.lastSeen = now;
    entry.stale = false;
  }

  /** Devices silent since `limit` (epoch ms) or longer and not reported yet: each is returned once. */
  staleSince(limit: number): { device: KnownDevice; lastSeen: number }[] {
    const stale: { device: KnownDevice; lastSeen: number }[] = [];
    for (const entry of this.devices.values()) {
      if (entry.stale || entry.lastSeen > limit) continue;
      entry.stale = true;
      stale.push({ device: entry.device, lastSeen: entry.lastSeen });
    }
    return stale;
  }
}

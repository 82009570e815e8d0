import type { KnownDevice } from '../devices/device.repository';

// The topic ACL of a device, the same for the embedded broker and the external-broker bridge.

/** The topics a device may publish to: its own fieldline/v1 topics, or its OwnTracks pair. */
export function mayPublish(device: KnownDevice, topic: string): boolean {
  const own = /^fieldline\/v1\/([^/]+)\/(location|reading|status)$/.exec(topic);
  if (own) return own[1] === device.deviceId;
  const owntracks = /^owntracks\/([^/]+)\/([^/]+)(\/event)?$/.exec(topic);
  return Boolean(owntracks && device.owntracks && owntracks[1] === device.owntracks.user && owntracks[2] === device.owntracks.device);
}

/** The only topics a device may subscribe to: where its commands arrive. */
export function ownCommandTopics(device: KnownDevice): string[] {
  return [`fieldline/v1/${device.deviceId}/cmd`, ...(device.owntracks ? [`owntracks/${device.owntracks.user}/${device.owntracks.device}/cmd`] : [])];
}

/**
 * Uplink: a topic only devices publish to and nobody may subscribe to (a device only to its command
 * topics; aedes' own `$SYS/…` topics are how the processes sharing sessions talk).
 */
export const isUplinkTopic = (topic: string): boolean => !topic.startsWith('$SYS/') && !topic.endsWith('/cmd');

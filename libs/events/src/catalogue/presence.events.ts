import { z } from 'zod';
import { defineEvent, id, isoDateTime, text } from './common';

// Presence is per subject (device or user), not per connection; the subject id is the Kafka key.
export const presenceEvents = {
  'presence.device_connected': defineEvent(1, z.object({ deviceId: id(), sessionId: id().optional() })),
  'presence.device_disconnected': defineEvent(
    1,
    z.object({ deviceId: id(), reason: text(500), sessionId: id().optional() }),
  ),
  /** Connected but silent longer than its expected reporting interval. */
  'presence.device_stale': defineEvent(1, z.object({ deviceId: id(), lastSeenAt: isoDateTime() })),
  'presence.user_online': defineEvent(1, z.object({ userId: id() })),
  'presence.user_idle': defineEvent(1, z.object({ userId: id() })),
  'presence.user_offline': defineEvent(1, z.object({ userId: id(), lastSeenAt: isoDateTime() })),
} as const;

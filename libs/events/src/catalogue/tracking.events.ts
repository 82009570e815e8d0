import { z } from 'zod';
import { defineEvent, geoPointSchema, id, isoDateTime } from './common';

/**
 * Derived by the projector from telemetry and dispatch (topic fieldline.derived.v1, keyed by subject).
 * Their ids are derived from what caused them, so a replayed projection emits the same ids and every
 * consumer drops the repeat.
 */
export const trackingEvents = {
  'tracking.geofence_entered': defineEvent(1, z.object({ subjectId: id(), geofenceId: id(), siteId: id().optional(), position: geoPointSchema })),
  'tracking.geofence_exited': defineEvent(1, z.object({ subjectId: id(), geofenceId: id(), siteId: id().optional(), position: geoPointSchema })),
  /** A hint, not a status change: the technician entered the site's fence while the job was en route. */
  'tracking.arrival_detected': defineEvent(1, z.object({ subjectId: id(), jobId: id(), siteId: id(), geofenceId: id() })),
  /** A technician on shift stopped reporting. */
  'tracking.signal_lost': defineEvent(1, z.object({ subjectId: id(), lastFixAt: isoDateTime() })),
  'tracking.signal_restored': defineEvent(1, z.object({ subjectId: id(), silentForS: z.number().min(0) })),
  'tracking.eta_updated': defineEvent(
    1,
    z.object({ subjectId: id(), jobId: id(), etaS: z.number().int().min(0), distanceM: z.number().min(0), arriveBy: isoDateTime() }),
  ),
} as const;

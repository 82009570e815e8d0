import { z } from 'zod';
import { defineEvent, id, latitude, longitude } from './common';

export const telemetrySourceSchema = z.enum(['mqtt', 'owntracks', 'osmand', 'browser', 'simulator']);

// Every telemetry record carries the device's own message id: device retries are removed downstream by it.
export const telemetryEvents = {
  /**
   * v2: the fix time is the envelope's occurredAt (v1 also carried data.ts, epoch seconds, and the two
   * disagreed); `lon` and unit-suffixed names. The v1 → v2 upcaster is in ../upcasters.ts.
   */
  'telemetry.location_reported': defineEvent(
    2,
    z.object({
      deviceId: id(),
      subjectId: id(),
      lat: latitude(),
      lon: longitude(),
      accuracyM: z.number().min(0).optional(),
      altitudeM: z.number().optional(),
      speedMps: z.number().min(0).optional(),
      headingDeg: z.number().min(0).lt(360).optional(),
      batteryPct: z.number().min(0).max(100).optional(),
      source: telemetrySourceSchema,
      messageId: id(),
    }),
  ),
  'telemetry.reading_reported': defineEvent(
    1,
    z.object({
      deviceId: id(),
      subjectId: id().optional(),
      sensor: id(),
      value: z.number(),
      unit: z.string().min(1).max(32),
      messageId: id(),
    }),
  ),
  'telemetry.status_reported': defineEvent(
    1,
    z.object({ deviceId: id(), status: z.string().min(1).max(200), messageId: id() }),
  ),
} as const;

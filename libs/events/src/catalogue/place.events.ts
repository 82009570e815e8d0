import { z } from 'zod';
import { defineEvent, empty, geoPointSchema, id, text } from './common';

// Customers, their sites and geofences: the places jobs happen at. Each record's id is its streamId.

const contact = {
  email: z.email().max(320).optional(),
  phone: z.string().trim().min(3).max(40).optional(),
};

export const customerEvents = {
  'customer.created': defineEvent(1, z.object({ name: text(200), ...contact, notes: text().optional() })),
  'customer.updated': defineEvent(1, z.object({ name: text(200).optional(), ...contact, notes: text().optional() })),
  'customer.archived': defineEvent(1, empty()),
} as const;

export const siteEvents = {
  'site.created': defineEvent(
    1,
    z.object({ name: text(200), customerId: id().optional(), address: text(500), location: geoPointSchema }),
  ),
  'site.updated': defineEvent(1, z.object({ name: text(200).optional(), address: text(500).optional(), location: geoPointSchema.optional() })),
  'site.archived': defineEvent(1, empty()),
} as const;

/** A circle (centre + radius in metres) or a simple polygon (3–200 points, not closed). */
export const geofenceShapeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('circle'), center: geoPointSchema, radiusM: z.number().positive().max(100_000) }),
  z.object({ kind: z.literal('polygon'), points: z.array(geoPointSchema).min(3).max(200) }),
]);
export type GeofenceShape = z.output<typeof geofenceShapeSchema>;

export const geofenceEvents = {
  'geofence.created': defineEvent(1, z.object({ name: text(200), shape: geofenceShapeSchema, siteId: id().optional() })),
  'geofence.updated': defineEvent(1, z.object({ name: text(200).optional(), shape: geofenceShapeSchema.optional() })),
  'geofence.deleted': defineEvent(1, empty()),
} as const;

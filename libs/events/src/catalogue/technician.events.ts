import { z } from 'zod';
import { defineEvent, empty, geoPointSchema, skillsSchema, text } from './common';

// The technician id is the event's streamId.
export const technicianEvents = {
  'technician.registered': defineEvent(
    1,
    z.object({ name: text(200), skills: skillsSchema, homeBase: geoPointSchema.optional() }),
  ),
  'technician.skills_changed': defineEvent(1, z.object({ skills: skillsSchema })),
  'technician.shift_started': defineEvent(1, empty()),
  'technician.shift_ended': defineEvent(1, empty()),
  'technician.availability_changed': defineEvent(1, z.object({ available: z.boolean(), reason: text().optional() })),
  'technician.deactivated': defineEvent(1, z.object({ reason: text().optional() })),
} as const;

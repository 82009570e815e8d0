import { z } from 'zod';
import { defineEvent, geoPointSchema, id, skillsSchema, text, timeWindowSchema } from './common';

export const jobPrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type JobPriority = z.output<typeof jobPrioritySchema>;

/** Where a job goes back to after job.resumed; carried in the event so projections need not remember. */
export const jobResumedStatusSchema = z.enum(['unassigned', 'assigned', 'en_route', 'on_site']);

// The job id is the event's streamId; data carries only what happened.
export const jobEvents = {
  'job.created': defineEvent(
    1,
    z.object({
      title: text(200),
      description: text(5000).optional(),
      customerId: id().optional(),
      siteId: id().optional(),
      location: geoPointSchema.optional(),
      requiredSkills: skillsSchema,
      priority: jobPrioritySchema,
      window: timeWindowSchema.optional(),
    }),
  ),
  'job.rescheduled': defineEvent(1, z.object({ window: timeWindowSchema })),
  'job.priority_changed': defineEvent(1, z.object({ priority: jobPrioritySchema, previousPriority: jobPrioritySchema })),
  'job.assigned': defineEvent(1, z.object({ technicianId: id() })),
  'job.reassigned': defineEvent(1, z.object({ fromTechnicianId: id(), technicianId: id(), reason: text().optional() })),
  'job.unassigned': defineEvent(1, z.object({ technicianId: id(), reason: text().optional() })),
  /** The technician is en route. */
  'job.travel_started': defineEvent(1, z.object({ technicianId: id() })),
  /** The technician is on site. */
  'job.arrived': defineEvent(1, z.object({ technicianId: id() })),
  'job.completed': defineEvent(1, z.object({ technicianId: id(), summary: text(5000).optional() })),
  'job.put_on_hold': defineEvent(1, z.object({ reason: text() })),
  'job.resumed': defineEvent(1, z.object({ status: jobResumedStatusSchema })),
  'job.cancelled': defineEvent(1, z.object({ reason: text() })),
  'job.note_added': defineEvent(1, z.object({ noteId: id(), text: text(5000), authorId: id() })),
} as const;

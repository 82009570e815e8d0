import { z } from 'zod';
import { defineEvent, geoPointSchema, id, skillsSchema, text, timeWindowSchema } from './common';

export const jobPrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type JobPriority = z.output<typeof jobPrioritySchema>;

/** Proof of service: a photo taken on site, or the customer's signature drawn on the technician's phone. */
export const proofKindSchema = z.enum(['photo', 'signature']);
/** The image types a proof may be, as recognised from its bytes (not as declared by the uploader). */
export const proofContentTypeSchema = z.enum(['image/jpeg', 'image/png', 'image/webp']);

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
  /** The bytes are in the proof store under the job and proofId; the event says what they are. */
  'job.proof_added': defineEvent(
    1,
    z.object({
      proofId: id(),
      kind: proofKindSchema,
      contentType: proofContentTypeSchema,
      sizeBytes: z.number().int().positive(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      technicianId: id(),
      /** For a signature: the name the customer gave. */
      signedBy: text(200).optional(),
    }),
  ),
} as const;

import { z } from 'zod';
import { defineEvent, id, text } from './common';

export const callModeSchema = z.enum(['audio', 'video']);

/**
 * Calls through the SFU (apps/media). Invitees are technicians (a dispatcher calls "Ada", whichever
 * phone or desk she answers on); participants are users. Keyed by call id on the media topic; the
 * job, when there is one, is named so the call shows in the job's history.
 */
export const callEvents = {
  'call.created': defineEvent(
    1,
    z.object({
      callId: id(),
      createdBy: id(),
      jobId: id().optional(),
      mode: callModeSchema,
      /** Push-to-talk: one speaker at a time, under a floor. */
      ptt: z.boolean(),
      /** Recorded, with every participant's consent given at creation. */
      record: z.boolean(),
      maxParticipants: z.int().min(2).max(100),
    }),
  ),
  'call.invited': defineEvent(1, z.object({ callId: id(), technicianIds: z.array(id()).min(1), invitedBy: id(), jobId: id().optional() })),
  'call.joined': defineEvent(1, z.object({ callId: id(), userId: id(), technicianId: id().optional() })),
  /** A participant left (hung up, lost their connection for good, or the call ended); durationMs is their time in the call. */
  'call.left': defineEvent(1, z.object({ callId: id(), userId: id(), reason: text(200), durationMs: z.int().min(0) })),
  'call.declined': defineEvent(1, z.object({ callId: id(), technicianId: id(), userId: id() })),
  /** An invitee never answered before the ring timeout. */
  'call.missed': defineEvent(1, z.object({ callId: id(), technicianId: id() })),
  'call.ended': defineEvent(1, z.object({ callId: id(), reason: text(500), durationMs: z.int().min(0), jobId: id().optional() })),
  /** A recording file is complete (listed on the job). */
  'call.recording_ready': defineEvent(1, z.object({ callId: id(), jobId: id().optional(), file: text(500), bytes: z.int().min(0), durationMs: z.int().min(0) })),
} as const;

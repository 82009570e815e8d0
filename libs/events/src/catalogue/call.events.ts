import { z } from 'zod';
import { defineEvent, id, text } from './common';

export const callModeSchema = z.enum(['audio', 'video', 'ptt']);

const participant = z.object({ callId: id(), userId: id() });

export const callEvents = {
  'call.created': defineEvent(
    1,
    z.object({ callId: id(), createdBy: id(), jobId: id().optional(), mode: callModeSchema }),
  ),
  'call.invited': defineEvent(1, z.object({ callId: id(), userIds: z.array(id()).min(1), invitedBy: id().optional() })),
  'call.joined': defineEvent(1, participant),
  'call.left': defineEvent(1, participant),
  'call.declined': defineEvent(1, participant),
  /** An invitee never answered before the ring timeout. */
  'call.missed': defineEvent(1, participant),
  'call.ended': defineEvent(1, z.object({ callId: id(), reason: text(500), durationMs: z.int().min(0) })),
} as const;

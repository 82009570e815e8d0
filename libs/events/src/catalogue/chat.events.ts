import { z } from 'zod';
import { defineEvent, id, text } from './common';

/**
 * The chat thread of a job between dispatchers and its technician. Posted through realtime, keyed by
 * job id (so a thread is in order with its job's events); receipts are events too.
 */
export const chatEvents = {
  'chat.message_posted': defineEvent(
    1,
    z.object({ jobId: id(), messageId: id(), authorId: id(), authorRole: z.enum(['admin', 'dispatcher', 'technician', 'integrator']), text: text(4000) }),
  ),
  /** The recipient's device has the message (up to and including `messageId`). */
  'chat.message_delivered': defineEvent(1, z.object({ jobId: id(), messageId: id(), userId: id() })),
  /** The recipient has read the thread up to and including `messageId`. */
  'chat.message_read': defineEvent(1, z.object({ jobId: id(), messageId: id(), userId: id() })),
} as const;

import { z } from 'zod';
import { defineEvent, id, isoDateTime, text } from './common';

export const deviceKindSchema = z.enum(['phone', 'gateway', 'tracker']);

// A device is linked to at most one subject: a technician (phone) or an asset (tracker on a van).
const subject = {
  technicianId: id().optional(),
  assetId: id().optional(),
};
const oneSubject = (d: { technicianId?: string; assetId?: string }) => (d.technicianId === undefined) !== (d.assetId === undefined);
const oneSubjectMessage = { message: 'exactly one of technicianId or assetId is required' };

export const deviceEvents = {
  'device.provisioned': defineEvent(
    1,
    z
      .object({ deviceId: id(), kind: deviceKindSchema, ...subject })
      .refine((d) => d.technicianId === undefined || d.assetId === undefined, {
        message: 'a device is linked to a technician or an asset, not both',
      }),
  ),
  'device.linked': defineEvent(1, z.object({ deviceId: id(), ...subject }).refine(oneSubject, oneSubjectMessage)),
  'device.unlinked': defineEvent(
    1,
    z.object({ deviceId: id(), ...subject, reason: text().optional() }).refine(oneSubject, oneSubjectMessage),
  ),
  // Never the secret itself: only which credential is now valid.
  'device.credentials_rotated': defineEvent(1, z.object({ deviceId: id(), credentialId: id() })),
  'device.revoked': defineEvent(1, z.object({ deviceId: id(), reason: text() })),
  /** A client certificate the device CA signed for the device (mutual TLS): the device connects with it instead of a secret. */
  'device.certificate_issued': defineEvent(
    1,
    z.object({ deviceId: id(), serial: z.string().regex(/^[0-9a-f]{2,64}$/), fingerprint: z.string().regex(/^[0-9a-f]{64}$/), notAfter: isoDateTime() }),
  ),
  'device.certificate_revoked': defineEvent(1, z.object({ deviceId: id(), serial: z.string().regex(/^[0-9a-f]{2,64}$/), reason: text() })),
  /** A downlink command for the device (reboot, set reporting interval …); ingest delivers it. */
  'device.command_issued': defineEvent(
    1,
    z.object({ deviceId: id(), commandId: id(), command: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/), args: z.record(z.string(), z.unknown()).optional() }),
  ),
} as const;

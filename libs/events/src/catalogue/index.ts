import type { z } from 'zod';
import { formatIssues } from '../issues';
import { callEvents } from './call.events';
import type { EventDefinition } from './common';
import { deviceEvents } from './device.events';
import { jobEvents } from './job.events';
import { customerEvents, geofenceEvents, siteEvents } from './place.events';

export { type GeofenceShape, geofenceShapeSchema } from './place.events';
import { presenceEvents } from './presence.events';
import { technicianEvents } from './technician.events';
import { telemetryEvents } from './telemetry.events';
import { trackingEvents } from './tracking.events';
import { chatEvents } from './chat.events';

/** Event families; the prefix of every type (`job.assigned` belongs to `job`) and the unit of topic routing. */
export const eventFamilies = {
  job: jobEvents,
  technician: technicianEvents,
  device: deviceEvents,
  telemetry: telemetryEvents,
  presence: presenceEvents,
  call: callEvents,
  customer: customerEvents,
  site: siteEvents,
  geofence: geofenceEvents,
  tracking: trackingEvents,
  chat: chatEvents,
} as const;

export type EventFamily = keyof typeof eventFamilies;
type Families = typeof eventFamilies;

// Every family's types must start with `<family>.`; a misplaced entry fails to compile here.
type PrefixCheck = { [F in EventFamily]: Record<`${F}.${string}`, EventDefinition> };
const _prefixCheck: PrefixCheck = eventFamilies;
void _prefixCheck;

export const catalogue = {
  ...jobEvents,
  ...technicianEvents,
  ...deviceEvents,
  ...telemetryEvents,
  ...presenceEvents,
  ...callEvents,
  ...customerEvents,
  ...siteEvents,
  ...geofenceEvents,
  ...trackingEvents,
  ...chatEvents,
} as const;

export type Catalogue = typeof catalogue;
export type EventType = keyof Catalogue;
export type EventTypeOf<F extends EventFamily> = keyof Families[F] & EventType;
export type JobEventType = EventTypeOf<'job'>;
export type TechnicianEventType = EventTypeOf<'technician'>;
export type DeviceEventType = EventTypeOf<'device'>;
export type TelemetryEventType = EventTypeOf<'telemetry'>;
export type PresenceEventType = EventTypeOf<'presence'>;
export type CallEventType = EventTypeOf<'call'>;
export type CustomerEventType = EventTypeOf<'customer'>;
export type SiteEventType = EventTypeOf<'site'>;
export type GeofenceEventType = EventTypeOf<'geofence'>;
export type TrackingEventType = EventTypeOf<'tracking'>;
export type ChatEventType = EventTypeOf<'chat'>;

/** The (already validated) `data` of an event type, in its current schema version. */
export type EventData<T extends EventType> = z.output<Catalogue[T]['data']>;

export const eventTypes = Object.keys(catalogue) as EventType[];

export const isEventType = (type: string): type is EventType => Object.hasOwn(catalogue, type);

export const currentSchemaVersion = (type: EventType): number => catalogue[type].schemaVersion;

export type DataCheck<T extends EventType> = { ok: true; data: EventData<T> } | { ok: false; reason: string };

/**
 * Validates `data` against the current schema of `type` and returns the normalised value (strings
 * trimmed, unknown keys dropped). Deciders use it so they never emit what an envelope would refuse.
 */
export function checkEventData<T extends EventType>(type: T, data: unknown): DataCheck<T> {
  const schema: z.ZodType = catalogue[type].data;
  const result = schema.safeParse(data);
  // The schema indexed by T produces EventData<T>; TypeScript cannot follow a generic index through zod.
  return result.success
    ? { ok: true, data: result.data as EventData<T> }
    : { ok: false, reason: formatIssues(result.error.issues, ['data']) };
}

export const familyOf = (type: EventType): EventFamily => type.slice(0, type.indexOf('.')) as EventFamily;

export * from './common';
export { jobPrioritySchema, jobResumedStatusSchema, type JobPriority } from './job.events';
export { deviceKindSchema } from './device.events';
export { telemetrySourceSchema } from './telemetry.events';
export { callModeSchema } from './call.events';

import type {
  CallEventType,
  DeviceEventType,
  JobEventType,
  PresenceEventType,
  TechnicianEventType,
  TelemetryEventType,
} from './catalogue';
import type { EventOf } from './envelope';

export type JobEvent = EventOf<JobEventType>;
export type TechnicianEvent = EventOf<TechnicianEventType>;
export type DeviceEvent = EventOf<DeviceEventType>;
export type TelemetryEvent = EventOf<TelemetryEventType>;
export type PresenceEvent = EventOf<PresenceEventType>;
export type CallEvent = EventOf<CallEventType>;

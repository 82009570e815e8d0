export {
  type Command,
  type CommandActor,
  type CommandContext,
  type Decider,
  type DomainEvent,
  fold,
  type NoData,
} from './shared/decider';
export { DomainError, type DomainErrorKind, httpStatusOfKind, isDomainError } from './shared/domain-error';
export { hasRequiredSkills, normalizeSkills, windowsOverlap } from './shared/scheduling';

export type * from './job/job.commands';
export { decideJob, jobDecider, mayActForTechnician } from './job/job.decider';
export { type Booking, checkAssignment } from './job/job.assignment';
export { JobError, type JobErrorCode, jobErrorKinds } from './job/job.errors';
export {
  type Assigned,
  type Cancelled,
  type Completed,
  type EnRoute,
  evolveJob,
  type Holdable,
  type JobInitial,
  initialJobState,
  isFinal,
  type Job,
  type JobDomainEvent,
  type JobStatus,
  type JobTerms,
  type OnHold,
  type OnSite,
  technicianOf,
  termsOf,
  type Unassigned,
} from './job/job.state';

export type * from './technician/technician.commands';
export { decideTechnician, technicianDecider } from './technician/technician.decider';
export { TechnicianError, type TechnicianErrorCode, technicianErrorKinds } from './technician/technician.errors';
export {
  type Deactivated,
  evolveTechnician,
  initialTechnicianState,
  isAvailable,
  type OffShift,
  type OnShift,
  type Technician,
  type TechnicianDomainEvent,
  type TechnicianInitial,
  type TechnicianStatus,
} from './technician/technician.state';

export { deciderSpec, type ExpectedError } from './testing/decider-spec';

export type { DeviceCommand } from './device/device.commands';
export { decideDevice, deviceDecider } from './device/device.decider';
export { DeviceError, type DeviceErrorCode, deviceErrorKinds } from './device/device.errors';
export { type Device, type DeviceDomainEvent, type DeviceKind, evolveDevice } from './device/device.state';

export type { PlaceCommand } from './place/place.commands';
export { placeDecider } from './place/place.decider';
export { PlaceError, type PlaceErrorCode, placeErrorKinds } from './place/place.errors';
export type { Place, PlaceDomainEvent, PlaceFamily } from './place/place.state';

export { type FenceShape, haversineM, type LatLon, signedDistanceToFenceM } from './tracking/geo';
export { type FenceFix, type FenceState, type FenceStep, type HysteresisConfig, initialFenceState, stepFence } from './tracking/geofence-hysteresis';
export { type EtaConfig, etaChanged, etaSeconds, recentSpeed } from './tracking/tracking';

export type * from './call/call.commands';
export { callDecider, type CallPolicy, decideCall, nextRingDeadline, releaseFloor, requestFloor } from './call/call.decider';
export { CallError, type CallErrorCode, callErrorKinds } from './call/call.errors';
export { type Call, type CallDomainEvent, evolveCall, initialCallState, type Invitee, type LiveCall, type Participant } from './call/call.state';

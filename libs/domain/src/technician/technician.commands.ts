import type { GeoPoint } from '#libs/events';
import type { Command, NoData } from '../shared/decider';

// The technician is identified by its stream.

export type RegisterTechnician = Command<'RegisterTechnician', { name: string; skills?: string[]; homeBase?: GeoPoint }>;
export type ChangeTechnicianSkills = Command<'ChangeTechnicianSkills', { skills: string[] }>;
export type StartShift = Command<'StartShift', NoData>;
export type EndShift = Command<'EndShift', NoData>;
export type SetAvailability = Command<'SetAvailability', { available: boolean; reason?: string }>;
export type DeactivateTechnician = Command<'DeactivateTechnician', { reason?: string }>;

export type TechnicianCommand =
  | RegisterTechnician
  | ChangeTechnicianSkills
  | StartShift
  | EndShift
  | SetAvailability
  | DeactivateTechnician;

export type TechnicianCommandType = TechnicianCommand['type'];

import type { EventData, TechnicianEventType } from '#libs/events';
import type { Decider, DomainEvent } from '../shared/decider';
import { emit } from '../shared/emit';
import { normalizeSkills } from '../shared/scheduling';
import type {
  ChangeTechnicianSkills,
  DeactivateTechnician,
  EndShift,
  RegisterTechnician,
  SetAvailability,
  StartShift,
  TechnicianCommand,
} from './technician.commands';
import { TechnicianError } from './technician.errors';
import {
  evolveTechnician,
  initialTechnicianState,
  type OffShift,
  type OnShift,
  type Technician,
  type TechnicianDomainEvent,
} from './technician.state';

const event = <T extends TechnicianEventType>(type: T, data: EventData<T>): DomainEvent<T> =>
  emit(type, data, (reason) => new TechnicianError('INVALID_INPUT', reason));

/** A registered, still active technician. */
function active(technician: Technician): OffShift | OnShift {
  if (technician.status === 'initial') throw new TechnicianError('TECHNICIAN_NOT_FOUND', 'technician does not exist');
  if (technician.status === 'deactivated') throw new TechnicianError('TECHNICIAN_DEACTIVATED', 'technician is deactivated');
  return technician;
}

function onShift(technician: Technician): OnShift {
  const current = active(technician);
  if (current.status !== 'on_shift') throw new TechnicianError('NOT_ON_SHIFT', 'technician is not on shift');
  return current;
}

/** Leaving a shift always says "not available" first when needed, so availability consumers need no shift rules. */
function endShiftEvents(current: OnShift): TechnicianDomainEvent[] {
  return [
    ...(current.available ? [event('technician.availability_changed', { available: false, reason: 'shift ended' })] : []),
    event('technician.shift_ended', {}),
  ];
}

export function registerTechnician(command: RegisterTechnician, technician: Technician): TechnicianDomainEvent[] {
  if (technician.status !== 'initial') throw new TechnicianError('TECHNICIAN_ALREADY_EXISTS', 'technician already exists');
  const { skills = [], ...rest } = command.data;
  return [event('technician.registered', { ...rest, skills: normalizeSkills(skills) })];
}

/** The same set of skills (after normalising) decides nothing. */
export function changeTechnicianSkills(command: ChangeTechnicianSkills, technician: Technician): TechnicianDomainEvent[] {
  const current = active(technician);
  const skills = normalizeSkills(command.data.skills);
  const unchanged = skills.length === current.skills.length && skills.every((s) => current.skills.includes(s));
  return unchanged ? [] : [event('technician.skills_changed', { skills })];
}

/** A shift starts available: that is what starting a shift means for dispatch. */
export function startShift(_command: StartShift, technician: Technician): TechnicianDomainEvent[] {
  if (active(technician).status === 'on_shift') throw new TechnicianError('ALREADY_ON_SHIFT', 'technician is already on shift');
  return [event('technician.shift_started', {}), event('technician.availability_changed', { available: true, reason: 'shift started' })];
}

export function endShift(_command: EndShift, technician: Technician): TechnicianDomainEvent[] {
  return endShiftEvents(onShift(technician));
}

/**
 * Availability only exists on shift: off shift a technician is never available, so setting it there is
 * refused rather than remembered for later. Setting the value it already has decides nothing.
 */
export function setAvailability(command: SetAvailability, technician: Technician): TechnicianDomainEvent[] {
  const current = onShift(technician);
  if (current.available === command.data.available) return [];
  return [event('technician.availability_changed', command.data)];
}

/** Deactivating someone mid-shift ends the shift first, so every consumer sees them leave. */
export function deactivateTechnician(command: DeactivateTechnician, technician: Technician): TechnicianDomainEvent[] {
  const current = active(technician);
  return [
    ...(current.status === 'on_shift' ? endShiftEvents(current) : []),
    event('technician.deactivated', { reason: command.data.reason }),
  ];
}

export function decideTechnician(command: TechnicianCommand, technician: Technician): TechnicianDomainEvent[] {
  switch (command.type) {
    case 'RegisterTechnician':
      return registerTechnician(command, technician);
    case 'ChangeTechnicianSkills':
      return changeTechnicianSkills(command, technician);
    case 'StartShift':
      return startShift(command, technician);
    case 'EndShift':
      return endShift(command, technician);
    case 'SetAvailability':
      return setAvailability(command, technician);
    case 'DeactivateTechnician':
      return deactivateTechnician(command, technician);
    default: {
      const unknown: never = command;
      throw new Error(`unknown technician command ${(unknown as { type: string }).type}`);
    }
  }
}

export const technicianDecider: Decider<Technician, TechnicianCommand, TechnicianDomainEvent> = {
  decide: decideTechnician,
  evolve: evolveTechnician,
  initialState: initialTechnicianState,
};

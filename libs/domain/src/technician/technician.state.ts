import type { TechnicianEventType } from '#libs/events';
import type { DomainEvent } from '../shared/decider';

export type TechnicianDomainEvent = DomainEvent<TechnicianEventType>;

export interface TechnicianInitial {
  status: 'initial';
}
/** On the roster, not working now. Never available. */
export interface OffShift {
  status: 'off_shift';
  skills: string[];
}
/** Working; available for new jobs unless on a break, at lunch, stuck in traffic … */
export interface OnShift {
  status: 'on_shift';
  skills: string[];
  available: boolean;
}
export interface Deactivated {
  status: 'deactivated';
  skills: string[];
}

export type Technician = TechnicianInitial | OffShift | OnShift | Deactivated;
export type TechnicianStatus = Technician['status'];

export const initialTechnicianState = (): Technician => ({ status: 'initial' });

/** Whether a dispatcher (or the API's matching) may give this technician a new job now. */
export const isAvailable = (technician: Technician): boolean => technician.status === 'on_shift' && technician.available;

/** Events are facts: one that cannot apply (corrupt stream) leaves the state as it is. */
export function evolveTechnician(technician: Technician, event: TechnicianDomainEvent): Technician {
  if (technician.status === 'initial') {
    return event.type === 'technician.registered' ? { status: 'off_shift', skills: event.data.skills } : technician;
  }
  switch (event.type) {
    case 'technician.registered':
      return technician;
    case 'technician.skills_changed':
      return { ...technician, skills: event.data.skills };
    case 'technician.shift_started':
      // Availability comes with its own event (emitted right after), so it starts false here.
      return technician.status === 'off_shift' ? { status: 'on_shift', skills: technician.skills, available: false } : technician;
    case 'technician.shift_ended':
      return technician.status === 'on_shift' ? { status: 'off_shift', skills: technician.skills } : technician;
    case 'technician.availability_changed':
      return technician.status === 'on_shift' ? { ...technician, available: event.data.available } : technician;
    case 'technician.deactivated':
      return { status: 'deactivated', skills: technician.skills };
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
}

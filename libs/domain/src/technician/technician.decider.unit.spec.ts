import { context } from '../testing/job.fixtures';
import { deciderSpec } from '../testing/decider-spec';
import type { TechnicianCommand, TechnicianCommandType } from './technician.commands';
import { technicianDecider } from './technician.decider';
import type { TechnicianErrorCode } from './technician.errors';
import { isAvailable, type TechnicianDomainEvent } from './technician.state';

// Every technician command in every technician state, like the job matrix.

const spec = deciderSpec(technicianDecider);

type DataOf<T extends TechnicianCommandType> = Extract<TechnicianCommand, { type: T }>['data'];
const command = <T extends TechnicianCommandType>(type: T, data: DataOf<T>) =>
  ({ type, data, context: context() }) as Extract<TechnicianCommand, { type: T }>;

const commands: Record<TechnicianCommandType, TechnicianCommand> = {
  RegisterTechnician: command('RegisterTechnician', { name: 'Ada', skills: ['HVAC ', 'electrical'] }),
  ChangeTechnicianSkills: command('ChangeTechnicianSkills', { skills: ['plumbing'] }),
  StartShift: command('StartShift', {}),
  EndShift: command('EndShift', {}),
  SetAvailability: command('SetAvailability', { available: false, reason: 'lunch' }),
  DeactivateTechnician: command('DeactivateTechnician', { reason: 'left the company' }),
};

const registered: TechnicianDomainEvent = { type: 'technician.registered', data: { name: 'Ada', skills: ['hvac'] } };
const shiftStarted: TechnicianDomainEvent = { type: 'technician.shift_started', data: {} };
const shiftEnded: TechnicianDomainEvent = { type: 'technician.shift_ended', data: {} };
const available = (value: boolean, reason: string): TechnicianDomainEvent => ({
  type: 'technician.availability_changed',
  data: { available: value, reason },
});
const deactivated: TechnicianDomainEvent = { type: 'technician.deactivated', data: { reason: 'left the company' } };
const skillsChanged: TechnicianDomainEvent = { type: 'technician.skills_changed', data: { skills: ['plumbing'] } };

const histories = {
  initial: [],
  off_shift: [registered],
  on_shift: [registered, shiftStarted, available(true, 'shift started')],
  'on_shift(unavailable)': [registered, shiftStarted, available(true, 'shift started'), available(false, 'lunch')],
  deactivated: [registered, deactivated],
} satisfies Record<string, TechnicianDomainEvent[]>;
type History = keyof typeof histories;

const valid: Record<History, Partial<Record<TechnicianCommandType, TechnicianDomainEvent[]>>> = {
  initial: {
    RegisterTechnician: [{ type: 'technician.registered', data: { name: 'Ada', skills: ['hvac', 'electrical'] } }],
  },
  off_shift: {
    ChangeTechnicianSkills: [skillsChanged],
    StartShift: [shiftStarted, available(true, 'shift started')],
    DeactivateTechnician: [deactivated],
  },
  on_shift: {
    ChangeTechnicianSkills: [skillsChanged],
    EndShift: [available(false, 'shift ended'), shiftEnded],
    SetAvailability: [available(false, 'lunch')],
    DeactivateTechnician: [available(false, 'shift ended'), shiftEnded, deactivated],
  },
  'on_shift(unavailable)': {
    ChangeTechnicianSkills: [skillsChanged],
    EndShift: [shiftEnded],
    SetAvailability: [], // already unavailable: nothing to decide
    DeactivateTechnician: [shiftEnded, deactivated],
  },
  deactivated: {},
};

const refusal = (state: History, type: TechnicianCommandType): TechnicianErrorCode => {
  if (state === 'initial') return 'TECHNICIAN_NOT_FOUND';
  if (type === 'RegisterTechnician') return 'TECHNICIAN_ALREADY_EXISTS';
  if (state === 'deactivated') return 'TECHNICIAN_DEACTIVATED';
  if (type === 'StartShift') return 'ALREADY_ON_SHIFT';
  return 'NOT_ON_SHIFT';
};

const cells = (Object.keys(histories) as History[]).flatMap((state) =>
  (Object.keys(commands) as TechnicianCommandType[]).map((type) => ({ state, type, events: valid[state][type] })),
);

describe('technician: every command in every state', () => {
  const allowed = cells.filter((c) => c.events !== undefined);
  const refused = cells.filter((c) => c.events === undefined);

  it('covers 30 cells', () => {
    expect(cells).toHaveLength(6 * 5);
    expect(allowed).toHaveLength(1 + 3 + 4 + 4 + 0);
  });

  it.each(allowed)('$state: $type is accepted', ({ state, type, events }) => {
    spec.given(histories[state]).when(commands[type]).then(events!);
  });

  it.each(refused.map((c) => ({ ...c, code: refusal(c.state, c.type) })))('$state: $type is refused with $code', ({ state, type, code }) => {
    spec.given(histories[state]).when(commands[type]).thenThrows({ code, message: /./ });
  });
});

describe('technician rules', () => {
  it('is available only on shift and not on a break', () => {
    const state = (h: History) => histories[h].reduce(technicianDecider.evolve, technicianDecider.initialState());
    expect((Object.keys(histories) as History[]).filter((h) => isAvailable(state(h)))).toEqual(['on_shift']);
  });

  it('decides nothing when the skills are the same after normalising', () => {
    spec.given(histories.off_shift).when(command('ChangeTechnicianSkills', { skills: [' HVAC'] })).thenNothing();
  });

  it('refuses a blank name with INVALID_INPUT (validation)', () => {
    spec.given([]).when(command('RegisterTechnician', { name: '' })).thenThrows({ code: 'INVALID_INPUT', kind: 'validation' });
  });

  it('keeps skills across a shift and through deactivation', () => {
    spec
      .given([...histories.on_shift, skillsChanged])
      .when(commands.DeactivateTechnician)
      .thenState({ status: 'deactivated', skills: ['plumbing'] });
  });
});

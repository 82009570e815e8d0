import type { Actor, EventData, EventType } from '#libs/events';

/**
 * The pure core of an aggregate (Emmett's decider): `decide` turns a command and the current state into
 * new events or throws a DomainError; `evolve` applies one event; `initialState` is the state of an
 * empty stream. No I/O, no clock, no id generation: all of that arrives in the command.
 */
export interface Decider<State, Command, Event> {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
}

/** Replays events onto a state (by default the decider's initial state). */
export function fold<State, Event>(
  decider: Pick<Decider<State, never, Event>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
  state: State = decider.initialState(),
): State {
  let current = state;
  for (const event of events) current = decider.evolve(current, event);
  return current;
}

/**
 * What a decider emits: a catalogue event's type and data, no envelope. The event store wraps it with
 * `newEnvelope({ ...event, tenantId, streamId, streamPosition, actor, occurredAt: context.now, ... })`.
 * Full envelopes from `#libs/events` fit this shape too, so `evolve` takes stored events as they are.
 */
export type DomainEvent<T extends EventType = EventType> = T extends EventType ? { type: T; data: EventData<T> } : never;

/**
 * Who issues a command. `role` and `technicianId` are resolved by the API (from the user's profile) or
 * ingest (from the device link); they are used for decisions and dropped from the stored envelope.
 */
export interface CommandActor extends Actor {
  role?: 'dispatcher' | 'technician' | 'admin';
  /** The technician this user or device acts as, if any. */
  technicianId?: string;
}

export interface CommandContext {
  /** The business time of the command, chosen by the caller (the domain never reads a clock). */
  now: Date;
  actor: CommandActor;
  tenantId: string;
  correlationId?: string;
}

export interface Command<Type extends string, Data> {
  type: Type;
  data: Data;
  context: CommandContext;
}

/** Command data for commands that carry nothing but their type. */
export type NoData = Record<string, never>;

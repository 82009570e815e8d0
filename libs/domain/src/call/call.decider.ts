import type { CallEventType, EventData } from '#libs/events';
import type { CommandActor, Decider } from '../shared/decider';
import { emit } from '../shared/emit';
import type { CallCommand, CreateCall, DeclineCall, EndCall, ExpireRinging, JoinCall, LeaveCall } from './call.commands';
import { CallError } from './call.errors';
import { type Call, type CallDomainEvent, evolveCall, initialCallState, type LiveCall } from './call.state';

/** The deployment's limits the rules apply (from the media app's settings). */
export interface CallPolicy {
  ringTimeoutMs: number;
  maxParticipants: number;
}

/** A call event stamped with the command's time (durations and ringing are measured from it). */
const event = <T extends CallEventType>(type: T, data: EventData<T>, at: Date): CallDomainEvent =>
  ({ ...emit(type, data, (reason) => new CallError('INVALID_INPUT', reason)), occurredAt: at.toISOString() }) as CallDomainEvent;

const isOffice = (actor: CommandActor) => actor.kind === 'system' || actor.role === 'dispatcher' || actor.role === 'admin';

function live(call: Call): LiveCall {
  if (call.status === 'initial') throw new CallError('CALL_NOT_FOUND', 'no such call');
  if (call.status === 'ended') throw new CallError('CALL_ENDED', `the call has ended (${call.reason})`);
  return call;
}

const elapsedMs = (now: Date, since: number) => Math.max(0, now.getTime() - since);

export function createCall(command: CreateCall, call: Call, policy: CallPolicy): CallDomainEvent[] {
  const { actor, now } = command.context;
  if (call.status !== 'initial') throw new CallError('CALL_ALREADY_EXISTS', 'a call with this id exists');
  if (!isOffice(actor)) throw new CallError('NOT_ALLOWED', 'only dispatchers start calls');
  const { callId, jobId, mode, ptt, record, consent } = command.data;
  const technicianIds = [...new Set(command.data.technicianIds)];
  if (technicianIds.length === 0) throw new CallError('NO_INVITEES', 'invite at least one technician');
  if (technicianIds.length + 1 > policy.maxParticipants) {
    throw new CallError('CALL_FULL', `${technicianIds.length} invitees and the caller exceed the limit of ${policy.maxParticipants}`);
  }
  if (record && !consent) throw new CallError('RECORDING_NEEDS_CONSENT', 'a recorded call needs consent: set consent to true once every participant agreed');
  return [
    event('call.created', { callId, createdBy: actor.id, ...(jobId ? { jobId } : {}), mode, ptt, record, maxParticipants: policy.maxParticipants }, now),
    event('call.invited', { callId, technicianIds, invitedBy: actor.id, ...(jobId ? { jobId } : {}) }, now),
  ];
}

/** The caller and the invited technicians; a rejoin after a reconnect decides nothing. */
export function joinCall(command: JoinCall, call: Call): CallDomainEvent[] {
  const { actor, now } = command.context;
  const current = live(call);
  if (current.participants[actor.id]) return [];
  const technicianId = actor.technicianId;
  const invited = actor.id === current.createdBy || (technicianId !== undefined && current.invitees[technicianId] !== undefined);
  if (!invited) throw new CallError('NOT_INVITED', 'only the caller and the invited technicians may join');
  if (Object.keys(current.participants).length >= current.maxParticipants) throw new CallError('CALL_FULL', `the call has its ${current.maxParticipants} participants`);
  return [event('call.joined', { callId: current.callId, userId: actor.id, ...(technicianId && current.invitees[technicianId] ? { technicianId } : {}) }, now)];
}

export function declineCall(command: DeclineCall, call: Call): CallDomainEvent[] {
  const { actor, now } = command.context;
  const current = live(call);
  const technicianId = actor.technicianId;
  if (!technicianId || current.invitees[technicianId]?.state !== 'ringing') throw new CallError('NOT_RINGING', 'nothing is ringing for this user');
  return withEndIfOver(current, [event('call.declined', { callId: current.callId, technicianId, userId: actor.id }, now)], now);
}

/** Anyone may expire the ringing (the media app's timer does); a call no longer live decides nothing. */
export function expireRinging(command: ExpireRinging, call: Call, policy: CallPolicy): CallDomainEvent[] {
  const { now } = command.context;
  if (call.status !== 'live') return [];
  const missed = Object.entries(call.invitees)
    .filter(([, invitee]) => invitee.state === 'ringing' && now.getTime() - invitee.since >= policy.ringTimeoutMs)
    .map(([technicianId]) => event('call.missed', { callId: call.callId, technicianId }, now));
  return missed.length ? withEndIfOver(call, missed, now) : [];
}

export function leaveCall(command: LeaveCall, call: Call): CallDomainEvent[] {
  const { actor, now } = command.context;
  const current = live(call);
  const participant = current.participants[actor.id];
  if (!participant) throw new CallError('NOT_IN_CALL', 'not in this call');
  const left = event('call.left', { callId: current.callId, userId: actor.id, reason: command.data.reason, durationMs: elapsedMs(now, participant.joinedAt) }, now);
  return withEndIfOver(current, [left], now);
}

/** Ends the call for everyone: each participant leaves, whoever still rings missed it. */
export function endCall(command: EndCall, call: Call): CallDomainEvent[] {
  const { actor, now } = command.context;
  const current = live(call);
  if (!isOffice(actor) && actor.id !== current.createdBy) throw new CallError('NOT_ALLOWED', 'only dispatchers end a call for everyone; leave it instead');
  const { callId, jobId } = current;
  const { reason } = command.data;
  return [
    ...Object.values(current.participants).map((p) => event('call.left', { callId, userId: p.userId, reason, durationMs: elapsedMs(now, p.joinedAt) }, now)),
    ...Object.entries(current.invitees)
      .filter(([, invitee]) => invitee.state === 'ringing')
      .map(([technicianId]) => event('call.missed', { callId, technicianId }, now)),
    event('call.ended', { callId, reason, durationMs: elapsedMs(now, current.createdAt), ...(jobId ? { jobId } : {}) }, now),
  ];
}

/**
 * The call's rules, pure: who may start, join, decline, leave and end; ringing and its timeout; when
 * a call is over. Decisions return the events (stamped with the command's time) or throw a CallError.
 */
export function decideCall(command: CallCommand, call: Call, policy: CallPolicy): CallDomainEvent[] {
  switch (command.type) {
    case 'CreateCall':
      return createCall(command, call, policy);
    case 'JoinCall':
      return joinCall(command, call);
    case 'DeclineCall':
      return declineCall(command, call);
    case 'ExpireRinging':
      return expireRinging(command, call, policy);
    case 'LeaveCall':
      return leaveCall(command, call);
    case 'EndCall':
      return endCall(command, call);
    default: {
      const unknown: never = command;
      throw new Error(`unknown call command ${(unknown as { type: string }).type}`);
    }
  }
}

/** The call aggregate under a deployment's policy (ring timeout, participant limit). */
export const callDecider = (policy: CallPolicy): Decider<Call, CallCommand, CallDomainEvent> => ({
  decide: (command, call) => decideCall(command, call, policy),
  evolve: evolveCall,
  initialState: initialCallState,
});

/** The decided events, and the end of the call when they leave nobody in it and nobody ringing. */
function withEndIfOver(call: LiveCall, decided: CallDomainEvent[], now: Date): CallDomainEvent[] {
  const after = decided.reduce(evolveCall, call as Call);
  if (after.status !== 'live') return decided;
  const anyoneIn = Object.keys(after.participants).length > 0;
  const ringing = Object.values(after.invitees).some((i) => i.state === 'ringing');
  if (anyoneIn || ringing) return decided;
  const answered = Object.values(after.invitees).some((i) => i.state === 'left' || i.state === 'joined');
  const reason = answered ? 'everyone left' : Object.values(after.invitees).every((i) => i.state === 'declined') ? 'declined' : 'no answer';
  const { callId, jobId } = after;
  return [...decided, event('call.ended', { callId, reason, durationMs: elapsedMs(now, after.createdAt), ...(jobId ? { jobId } : {}) }, now)];
}

/** When the next invitee stops ringing (epoch ms), for the caller's timer; undefined when none rings. */
export function nextRingDeadline(call: Call, policy: CallPolicy): number | undefined {
  if (call.status !== 'live') return undefined;
  const since = Object.values(call.invitees).filter((i) => i.state === 'ringing').map((i) => i.since);
  return since.length ? Math.min(...since) + policy.ringTimeoutMs : undefined;
}

/**
 * Push-to-talk floor: one speaker at a time. A participant takes a free floor (or keeps their own);
 * a taken one is refused. Not an event: the floor changes many times a minute and matters only live.
 */
export function requestFloor(call: Call, userId: string, now: number): LiveCall {
  const current = live(call);
  if (!current.ptt) throw new CallError('NOT_PTT', 'not a push-to-talk call');
  if (!current.participants[userId]) throw new CallError('NOT_IN_CALL', 'not in this call');
  if (current.floor && current.floor.userId !== userId) throw new CallError('FLOOR_TAKEN', `${current.floor.userId} has the floor`);
  return { ...current, floor: { userId, since: current.floor?.since ?? now } };
}

/** Gives the floor back; releasing a floor one does not hold changes nothing. */
export function releaseFloor(call: Call, userId: string): LiveCall {
  const current = live(call);
  if (current.floor?.userId !== userId) return current;
  const { floor: _released, ...rest } = current;
  return rest;
}

import type { CallEventType, EventData } from '#libs/events';
import type { Command, CommandActor, NoData } from '../shared/decider';
import { emit } from '../shared/emit';
import { CallError } from './call.errors';
import { type Call, type CallDomainEvent, evolveCall, type LiveCall } from './call.state';

export interface CallPolicy {
  ringTimeoutMs: number;
  maxParticipants: number;
}

export type CreateCall = Command<
  'CreateCall',
  { callId: string; technicianIds: string[]; jobId?: string; mode: 'audio' | 'video'; ptt: boolean; record: boolean; consent: boolean }
>;
export type JoinCall = Command<'JoinCall', NoData>;
export type DeclineCall = Command<'DeclineCall', NoData>;
/** The actor leaves; `reason` says why (hung up, their connection is gone for good …). */
export type LeaveCall = Command<'LeaveCall', { reason: string }>;
export type EndCall = Command<'EndCall', { reason: string }>;
/** The clock passed: invitees still ringing past the ring timeout have missed the call. */
export type ExpireRinging = Command<'ExpireRinging', NoData>;

export type CallCommand = CreateCall | JoinCall | DeclineCall | LeaveCall | EndCall | ExpireRinging;

const isOffice = (actor: CommandActor) => actor.kind === 'system' || actor.role === 'dispatcher' || actor.role === 'admin';

function live(call: Call): LiveCall {
  if (call.status === 'initial') throw new CallError('CALL_NOT_FOUND', 'no such call');
  if (call.status === 'ended') throw new CallError('CALL_ENDED', `the call has ended (${call.reason})`);
  return call;
}

/**
 * The call's rules, pure: who may start, join, decline, leave and end; ringing and its timeout; when
 * a call is over. Decisions return the events (stamped with the command's time) or throw a CallError.
 */
export function decideCall(command: CallCommand, call: Call, policy: CallPolicy): CallDomainEvent[] {
  const at = command.context.now.toISOString();
  const out: CallDomainEvent[] = [];
  const push = <T extends CallEventType>(type: T, data: EventData<T>) => {
    out.push({ ...emit(type, data, (reason) => new CallError('INVALID_INPUT', reason)), occurredAt: at } as CallDomainEvent);
  };
  const actor = command.context.actor;
  const now = command.context.now.getTime();

  switch (command.type) {
    case 'CreateCall': {
      if (call.status !== 'initial') throw new CallError('CALL_ALREADY_EXISTS', 'a call with this id exists');
      if (!isOffice(actor)) throw new CallError('NOT_ALLOWED', 'only dispatchers start calls');
      const { callId, jobId, mode, ptt, record, consent } = command.data;
      const technicianIds = [...new Set(command.data.technicianIds)];
      if (technicianIds.length === 0) throw new CallError('NO_INVITEES', 'invite at least one technician');
      if (technicianIds.length + 1 > policy.maxParticipants) {
        throw new CallError('CALL_FULL', `${technicianIds.length} invitees and the caller exceed the limit of ${policy.maxParticipants}`);
      }
      if (record && !consent) throw new CallError('RECORDING_NEEDS_CONSENT', 'a recorded call needs consent: set consent to true once every participant agreed');
      push('call.created', { callId, createdBy: actor.id, ...(jobId ? { jobId } : {}), mode, ptt, record, maxParticipants: policy.maxParticipants });
      push('call.invited', { callId, technicianIds, invitedBy: actor.id, ...(jobId ? { jobId } : {}) });
      return out;
    }
    case 'JoinCall': {
      const current = live(call);
      if (current.participants[actor.id]) return []; // a rejoin after a reconnect: already in
      const technicianId = actor.technicianId;
      const invited = actor.id === current.createdBy || (technicianId !== undefined && current.invitees[technicianId] !== undefined);
      if (!invited) throw new CallError('NOT_INVITED', 'only the caller and the invited technicians may join');
      if (Object.keys(current.participants).length >= current.maxParticipants) throw new CallError('CALL_FULL', `the call has its ${current.maxParticipants} participants`);
      push('call.joined', { callId: current.callId, userId: actor.id, ...(technicianId && current.invitees[technicianId] ? { technicianId } : {}) });
      return out;
    }
    case 'DeclineCall': {
      const current = live(call);
      const technicianId = actor.technicianId;
      if (!technicianId || current.invitees[technicianId]?.state !== 'ringing') throw new CallError('NOT_RINGING', 'nothing is ringing for this user');
      push('call.declined', { callId: current.callId, technicianId, userId: actor.id });
      return [...out, ...endIfOver(apply(current, out), at)];
    }
    case 'ExpireRinging': {
      if (call.status !== 'live') return [];
      for (const [technicianId, invitee] of Object.entries(call.invitees)) {
        if (invitee.state === 'ringing' && now - invitee.since >= policy.ringTimeoutMs) push('call.missed', { callId: call.callId, technicianId });
      }
      return out.length ? [...out, ...endIfOver(apply(call, out), at)] : [];
    }
    case 'LeaveCall': {
      const current = live(call);
      const participant = current.participants[actor.id];
      if (!participant) throw new CallError('NOT_IN_CALL', 'not in this call');
      push('call.left', { callId: current.callId, userId: actor.id, reason: command.data.reason, durationMs: Math.max(0, now - participant.joinedAt) });
      return [...out, ...endIfOver(apply(current, out), at)];
    }
    case 'EndCall': {
      const current = live(call);
      if (!isOffice(actor) && actor.id !== current.createdBy) throw new CallError('NOT_ALLOWED', 'only dispatchers end a call for everyone; leave it instead');
      for (const p of Object.values(current.participants)) {
        push('call.left', { callId: current.callId, userId: p.userId, reason: command.data.reason, durationMs: Math.max(0, now - p.joinedAt) });
      }
      for (const [technicianId, invitee] of Object.entries(current.invitees)) {
        if (invitee.state === 'ringing') push('call.missed', { callId: current.callId, technicianId });
      }
      push('call.ended', { callId: current.callId, reason: command.data.reason, durationMs: Math.max(0, now - current.createdAt), ...(current.jobId ? { jobId: current.jobId } : {}) });
      return out;
    }
  }
}

const apply = (call: LiveCall, events: CallDomainEvent[]): Call => events.reduce(evolveCall, call as Call);

/** A call is over when nobody is in it and nobody is still being rung. */
function endIfOver(call: Call, at: string): CallDomainEvent[] {
  if (call.status !== 'live') return [];
  const anyoneIn = Object.keys(call.participants).length > 0;
  const ringing = Object.values(call.invitees).some((i) => i.state === 'ringing');
  if (anyoneIn || ringing) return [];
  const answered = Object.values(call.invitees).some((i) => i.state === 'left' || i.state === 'joined');
  const reason = answered ? 'everyone left' : Object.values(call.invitees).every((i) => i.state === 'declined') ? 'declined' : 'no answer';
  const ended = emit('call.ended', { callId: call.callId, reason, durationMs: Math.max(0, Date.parse(at) - call.createdAt), ...(call.jobId ? { jobId: call.jobId } : {}) }, (r) => new CallError('INVALID_INPUT', r));
  return [{ ...ended, occurredAt: at } as CallDomainEvent];
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

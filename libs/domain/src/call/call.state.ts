import type { CallEventType } from '#libs/events';
import type { DomainEvent } from '../shared/decider';

/** A call event as the decider emits it: stamped with the command's time, which durations need. */
export type CallDomainEvent = DomainEvent<CallEventType> & { occurredAt: string };

export type InviteeState = 'ringing' | 'declined' | 'missed' | 'joined' | 'left';

export interface Invitee {
  state: InviteeState;
  /** Epoch ms of the last change (ringing since, joined at …). */
  since: number;
}

export interface Participant {
  userId: string;
  technicianId?: string;
  joinedAt: number;
}

export interface CallInitial {
  status: 'initial';
}

export interface LiveCall {
  status: 'live';
  callId: string;
  createdBy: string;
  createdAt: number;
  jobId?: string;
  mode: 'audio' | 'video';
  ptt: boolean;
  record: boolean;
  maxParticipants: number;
  /** By technician id. */
  invitees: Record<string, Invitee>;
  /** By user id: who is in the call now. */
  participants: Record<string, Participant>;
  /** Push-to-talk: who may speak now. */
  floor?: { userId: string; since: number };
}

export interface EndedCall {
  status: 'ended';
  callId: string;
  reason: string;
  endedAt: number;
}

export type Call = CallInitial | LiveCall | EndedCall;

export const initialCallState = (): Call => ({ status: 'initial' });

const ms = (event: CallDomainEvent) => Date.parse(event.occurredAt);

/** Events are facts: one that cannot apply leaves the state as it is. */
export function evolveCall(call: Call, event: CallDomainEvent): Call {
  if (call.status === 'initial') {
    if (event.type !== 'call.created') return call;
    const d = event.data;
    return {
      status: 'live',
      callId: d.callId,
      createdBy: d.createdBy,
      createdAt: ms(event),
      ...(d.jobId ? { jobId: d.jobId } : {}),
      mode: d.mode,
      ptt: d.ptt,
      record: d.record,
      maxParticipants: d.maxParticipants,
      invitees: {},
      participants: {},
    };
  }
  if (call.status === 'ended') return call;
  const at = ms(event);
  switch (event.type) {
    case 'call.invited': {
      const invitees = { ...call.invitees };
      for (const id of event.data.technicianIds) if (!invitees[id] || invitees[id].state !== 'joined') invitees[id] = { state: 'ringing', since: at };
      return { ...call, invitees };
    }
    case 'call.joined': {
      const { userId, technicianId } = event.data;
      const participants = { ...call.participants, [userId]: { userId, ...(technicianId ? { technicianId } : {}), joinedAt: at } };
      const invitees = technicianId && call.invitees[technicianId] ? { ...call.invitees, [technicianId]: { state: 'joined' as const, since: at } } : call.invitees;
      return { ...call, participants, invitees };
    }
    case 'call.left': {
      const leaving = call.participants[event.data.userId];
      if (!leaving) return call;
      const { [event.data.userId]: _gone, ...participants } = call.participants;
      const invitees = leaving.technicianId && call.invitees[leaving.technicianId] ? { ...call.invitees, [leaving.technicianId]: { state: 'left' as const, since: at } } : call.invitees;
      const { floor, ...rest } = call;
      return { ...rest, participants, invitees, ...(floor && floor.userId !== event.data.userId ? { floor } : {}) };
    }
    case 'call.declined':
    case 'call.missed': {
      const id = event.data.technicianId;
      if (call.invitees[id]?.state !== 'ringing') return call;
      return { ...call, invitees: { ...call.invitees, [id]: { state: event.type === 'call.declined' ? 'declined' : 'missed', since: at } } };
    }
    case 'call.ended':
      return { status: 'ended', callId: call.callId, reason: event.data.reason, endedAt: at };
    default:
      return call;
  }
}

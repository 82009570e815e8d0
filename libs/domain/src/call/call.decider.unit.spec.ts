import type { CommandActor } from '../shared/decider';
import { type CallCommand, type CallPolicy, decideCall, nextRingDeadline, releaseFloor, requestFloor } from './call.decider';
import { CallError } from './call.errors';
import { type Call, type CallDomainEvent, evolveCall, initialCallState, type LiveCall } from './call.state';

const policy: CallPolicy = { ringTimeoutMs: 30_000, maxParticipants: 4 };
const T0 = Date.parse('2031-05-04T08:00:00Z');
const dispatcher: CommandActor = { kind: 'user', id: 'u-disp', role: 'dispatcher' };
const ada: CommandActor = { kind: 'user', id: 'u-ada', role: 'technician', technicianId: 'tech-ada' };
const ben: CommandActor = { kind: 'user', id: 'u-ben', role: 'technician', technicianId: 'tech-ben' };
const eve: CommandActor = { kind: 'user', id: 'u-eve', role: 'technician', technicianId: 'tech-eve' };

/** Given past events, when a command at `atS` seconds after T0: the events (and the state after them). */
function when(given: CallDomainEvent[], command: Omit<CallCommand, 'context'> & { actor: CommandActor; atS?: number }) {
  const state = given.reduce(evolveCall, initialCallState());
  const { actor, atS = 0, ...rest } = command;
  const events = decideCall({ ...rest, context: { now: new Date(T0 + atS * 1000), actor, tenantId: 't1' } } as CallCommand, state, policy);
  return { events, state: events.reduce(evolveCall, state), types: events.map((e) => e.type) };
}

const fails = (fn: () => unknown, code: string) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
};

const create = (technicianIds = ['tech-ada', 'tech-ben'], extra: Partial<{ ptt: boolean; record: boolean; consent: boolean; jobId: string }> = {}) =>
  when([], { type: 'CreateCall', data: { callId: 'call-1', technicianIds, mode: 'audio', ptt: false, record: false, consent: false, ...extra }, actor: dispatcher }).events;

describe('starting a call', () => {
  it('creates and rings every invited technician (once each)', () => {
    const { types, state } = when([], { type: 'CreateCall', data: { callId: 'call-1', technicianIds: ['tech-ada', 'tech-ada', 'tech-ben'], jobId: 'job-9', mode: 'video', ptt: false, record: false, consent: false }, actor: dispatcher });
    expect(types).toEqual(['call.created', 'call.invited']);
    expect((state as LiveCall).invitees).toEqual({ 'tech-ada': { state: 'ringing', since: T0 }, 'tech-ben': { state: 'ringing', since: T0 } });
    expect((state as LiveCall).jobId).toBe('job-9');
  });

  it('refuses technicians as callers, calls without invitees, too many invitees and recording without consent', () => {
    fails(() => when([], { type: 'CreateCall', data: { callId: 'c', technicianIds: ['tech-ben'], mode: 'audio', ptt: false, record: false, consent: false }, actor: ada }), 'NOT_ALLOWED');
    fails(() => create([]), 'NO_INVITEES');
    fails(() => create(['a', 'b', 'c', 'd']), 'CALL_FULL');
    fails(() => create(['tech-ada'], { record: true }), 'RECORDING_NEEDS_CONSENT');
    expect(create(['tech-ada'], { record: true, consent: true })[0]!.data).toMatchObject({ record: true });
    fails(() => when(create(), { type: 'CreateCall', data: { callId: 'call-1', technicianIds: ['x'], mode: 'audio', ptt: false, record: false, consent: false }, actor: dispatcher }), 'CALL_ALREADY_EXISTS');
  });
});

describe('who may join', () => {
  it('lets the caller and the invited technicians in; a rejoin after a reconnect changes nothing', () => {
    const given = create();
    const caller = when(given, { type: 'JoinCall', data: {}, actor: dispatcher, atS: 1 });
    expect(caller.events.map((e) => e.data)).toEqual([{ callId: 'call-1', userId: 'u-disp' }]);
    const adaIn = when([...given, ...caller.events], { type: 'JoinCall', data: {}, actor: ada, atS: 5 });
    expect(adaIn.events.map((e) => e.data)).toEqual([{ callId: 'call-1', userId: 'u-ada', technicianId: 'tech-ada' }]);
    expect((adaIn.state as LiveCall).invitees['tech-ada']!.state).toBe('joined');
    expect(when([...given, ...caller.events, ...adaIn.events], { type: 'JoinCall', data: {}, actor: ada, atS: 9 }).events).toEqual([]);
  });

  it('keeps out the uninvited, another dispatcher, and anyone once the call is full or over', () => {
    const given = create(['tech-ada', 'tech-ben', 'tech-eve']);
    fails(() => when(given, { type: 'JoinCall', data: {}, actor: { kind: 'user', id: 'u-zed', role: 'technician', technicianId: 'tech-zed' } }), 'NOT_INVITED');
    fails(() => when(given, { type: 'JoinCall', data: {}, actor: { kind: 'user', id: 'u-other', role: 'dispatcher' } }), 'NOT_INVITED');
    const full = [...given, ...[dispatcher, ada, ben, eve].flatMap((actor) => when(given, { type: 'JoinCall', data: {}, actor }).events)];
    fails(() => when(full, { type: 'JoinCall', data: {}, actor: { kind: 'user', id: 'u-ada-phone-2', role: 'technician', technicianId: 'tech-ada' } }), 'CALL_FULL');
    const ended = [...given, ...when(given, { type: 'EndCall', data: { reason: 'done' }, actor: dispatcher }).events];
    fails(() => when(ended, { type: 'JoinCall', data: {}, actor: ada }), 'CALL_ENDED');
    fails(() => when([], { type: 'JoinCall', data: {}, actor: ada }), 'CALL_NOT_FOUND');
  });
});

describe('ringing', () => {
  it('records a decline, and ends the call when everyone declined', () => {
    const given = create();
    const adaNo = when(given, { type: 'DeclineCall', data: {}, actor: ada, atS: 3 });
    expect(adaNo.types).toEqual(['call.declined']);
    const benNo = when([...given, ...adaNo.events], { type: 'DeclineCall', data: {}, actor: ben, atS: 4 });
    expect(benNo.types).toEqual(['call.declined', 'call.ended']);
    expect(benNo.events[1]!.data).toEqual({ callId: 'call-1', reason: 'declined', durationMs: 4_000 });
    fails(() => when([...given, ...adaNo.events], { type: 'DeclineCall', data: {}, actor: ada }), 'NOT_RINGING');
  });

  it('marks invitees who never answered as missed after the timeout, not before', () => {
    const given = [...create(), ...when(create(), { type: 'JoinCall', data: {}, actor: dispatcher }).events];
    expect(nextRingDeadline(given.reduce(evolveCall, initialCallState()), policy)).toBe(T0 + 30_000);
    expect(when(given, { type: 'ExpireRinging', data: {}, actor: { kind: 'system', id: 'media' }, atS: 29 }).events).toEqual([]);
    const adaIn = when(given, { type: 'JoinCall', data: {}, actor: ada, atS: 10 }).events;
    const expired = when([...given, ...adaIn], { type: 'ExpireRinging', data: {}, actor: { kind: 'system', id: 'media' }, atS: 30 });
    expect(expired.events.map((e) => [e.type, e.data])).toEqual([['call.missed', { callId: 'call-1', technicianId: 'tech-ben' }]]);
    expect(nextRingDeadline(expired.state, policy)).toBeUndefined();
  });

  it('ends with "no answer" when nobody answered and the caller has hung up', () => {
    const given = create(['tech-ada']);
    const expired = when(given, { type: 'ExpireRinging', data: {}, actor: { kind: 'system', id: 'media' }, atS: 31 });
    expect(expired.types).toEqual(['call.missed', 'call.ended']);
    expect(expired.events[1]!.data).toMatchObject({ reason: 'no answer', durationMs: 31_000 });
  });
});

describe('leaving and ending', () => {
  const inCall = () => {
    const given = create(['tech-ada']);
    return [...given, ...when(given, { type: 'JoinCall', data: {}, actor: dispatcher, atS: 0 }).events, ...when(given, { type: 'JoinCall', data: {}, actor: ada, atS: 4 }).events];
  };

  it('records each participant’s time in the call; the last one out ends it', () => {
    const given = inCall();
    const dispOut = when(given, { type: 'LeaveCall', data: { reason: 'hung up' }, actor: dispatcher, atS: 64 });
    expect(dispOut.events.map((e) => e.data)).toEqual([{ callId: 'call-1', userId: 'u-disp', reason: 'hung up', durationMs: 64_000 }]);
    const adaOut = when([...given, ...dispOut.events], { type: 'LeaveCall', data: { reason: 'connection lost' }, actor: ada, atS: 70 });
    expect(adaOut.types).toEqual(['call.left', 'call.ended']);
    expect(adaOut.events.map((e) => e.data)).toEqual([
      { callId: 'call-1', userId: 'u-ada', reason: 'connection lost', durationMs: 66_000 },
      { callId: 'call-1', reason: 'everyone left', durationMs: 70_000 },
    ]);
    fails(() => when(given, { type: 'LeaveCall', data: { reason: 'x' }, actor: ben }), 'NOT_IN_CALL');
  });

  it('ends for everyone when a dispatcher (or the media engine) ends it; a technician cannot', () => {
    const given = create(['tech-ada', 'tech-ben'], { jobId: 'job-9' });
    const withAda = [...given, ...when(given, { type: 'JoinCall', data: {}, actor: ada, atS: 2 }).events];
    fails(() => when(withAda, { type: 'EndCall', data: { reason: 'x' }, actor: ada }), 'NOT_ALLOWED');
    const ended = when(withAda, { type: 'EndCall', data: { reason: 'media worker died' }, actor: { kind: 'system', id: 'media' }, atS: 12 });
    expect(ended.events.map((e) => [e.type, e.data])).toEqual([
      ['call.left', { callId: 'call-1', userId: 'u-ada', reason: 'media worker died', durationMs: 10_000 }],
      ['call.missed', { callId: 'call-1', technicianId: 'tech-ben' }],
      ['call.ended', { callId: 'call-1', reason: 'media worker died', durationMs: 12_000, jobId: 'job-9' }],
    ]);
    expect(ended.state.status).toBe('ended');
  });
});

describe('push-to-talk floor', () => {
  const ptt = (): Call => {
    const given = create(['tech-ada', 'tech-ben'], { ptt: true });
    const joins = [dispatcher, ada, ben].flatMap((actor) => when(given, { type: 'JoinCall', data: {}, actor }).events);
    return [...given, ...joins].reduce(evolveCall, initialCallState());
  };

  it('gives the floor to one speaker at a time', () => {
    const held = requestFloor(ptt(), 'u-ada', T0 + 1_000);
    expect(held.floor).toEqual({ userId: 'u-ada', since: T0 + 1_000 });
    fails(() => requestFloor(held, 'u-ben', T0 + 2_000), 'FLOOR_TAKEN');
    expect(requestFloor(held, 'u-ada', T0 + 3_000).floor).toEqual({ userId: 'u-ada', since: T0 + 1_000 }); // asking again keeps it
    expect(releaseFloor(held, 'u-ben').floor).toEqual(held.floor); // not theirs to release
    const released = releaseFloor(held, 'u-ada');
    expect(released.floor).toBeUndefined();
    expect(requestFloor(released, 'u-ben', T0 + 4_000).floor!.userId).toBe('u-ben');
  });

  it('frees the floor when its holder vanishes, and refuses the floor outside PTT calls or to outsiders', () => {
    const held = requestFloor(ptt(), 'u-ada', T0);
    const gone = evolveCall(held, { type: 'call.left', data: { callId: 'call-1', userId: 'u-ada', reason: 'connection lost', durationMs: 1 }, occurredAt: new Date(T0 + 5_000).toISOString() });
    expect((gone as LiveCall).floor).toBeUndefined();
    fails(() => requestFloor(gone, 'u-ada', T0), 'NOT_IN_CALL');
    const plain = [...create(), ...when(create(), { type: 'JoinCall', data: {}, actor: ada }).events].reduce(evolveCall, initialCallState());
    fails(() => requestFloor(plain, 'u-ada', T0), 'NOT_PTT');
  });
});

import type { CommandActor } from '../shared/decider';
import { deciderSpec } from '../testing/decider-spec';
import type { CallCommand, CallCommandType } from './call.commands';
import { type CallPolicy, callDecider, nextRingDeadline, releaseFloor, requestFloor } from './call.decider';
import type { CallErrorCode } from './call.errors';
import { type Call, type CallDomainEvent, evolveCall, initialCallState, type LiveCall } from './call.state';

// Given events, when a command at some second after T0, then the events (stamped with that second) or
// the error. The floor is not event-sourced: its functions are tested on states.

const policy: CallPolicy = { ringTimeoutMs: 30_000, maxParticipants: 4 };
const spec = deciderSpec(callDecider(policy));
const T0 = Date.parse('2031-05-04T08:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const dispatcher: CommandActor = { kind: 'user', id: 'u-disp', role: 'dispatcher' };
const ada: CommandActor = { kind: 'user', id: 'u-ada', role: 'technician', technicianId: 'tech-ada' };
const ben: CommandActor = { kind: 'user', id: 'u-ben', role: 'technician', technicianId: 'tech-ben' };
const eve: CommandActor = { kind: 'user', id: 'u-eve', role: 'technician', technicianId: 'tech-eve' };
const media: CommandActor = { kind: 'system', id: 'media' };

type DataOf<T extends CallCommandType> = Extract<CallCommand, { type: T }>['data'];
const command = <T extends CallCommandType>(type: T, data: DataOf<T>, actor: CommandActor, atS = 0) =>
  ({ type, data, context: { now: new Date(T0 + atS * 1000), actor, tenantId: 't1' } }) as Extract<CallCommand, { type: T }>;

const createCall = (technicianIds = ['tech-ada', 'tech-ben'], extra: Partial<DataOf<'CreateCall'>> = {}, actor = dispatcher) =>
  command('CreateCall', { callId: 'call-1', technicianIds, mode: 'audio', ptt: false, record: false, consent: false, ...extra }, actor);
const join = (actor: CommandActor, atS = 0) => command('JoinCall', {}, actor, atS);
const decline = (actor: CommandActor, atS = 0) => command('DeclineCall', {}, actor, atS);
const leave = (actor: CommandActor, reason: string, atS = 0) => command('LeaveCall', { reason }, actor, atS);
const end = (actor: CommandActor, reason: string, atS = 0) => command('EndCall', { reason }, actor, atS);
const expire = (atS: number) => command('ExpireRinging', {}, media, atS);

const e = {
  created: (extra: object = {}): CallDomainEvent => ({ type: 'call.created', data: { callId: 'call-1', createdBy: 'u-disp', mode: 'audio', ptt: false, record: false, maxParticipants: 4, ...extra }, occurredAt: at(0) }),
  invited: (technicianIds = ['tech-ada', 'tech-ben'], extra: object = {}): CallDomainEvent => ({ type: 'call.invited', data: { callId: 'call-1', technicianIds, invitedBy: 'u-disp', ...extra }, occurredAt: at(0) }),
  joined: (userId: string, technicianId?: string, atS = 0): CallDomainEvent => ({ type: 'call.joined', data: { callId: 'call-1', userId, ...(technicianId ? { technicianId } : {}) }, occurredAt: at(atS) }),
  left: (userId: string, reason: string, durationMs: number, atS: number): CallDomainEvent => ({ type: 'call.left', data: { callId: 'call-1', userId, reason, durationMs }, occurredAt: at(atS) }),
  declined: (technicianId: string, userId: string, atS: number): CallDomainEvent => ({ type: 'call.declined', data: { callId: 'call-1', technicianId, userId }, occurredAt: at(atS) }),
  missed: (technicianId: string, atS: number): CallDomainEvent => ({ type: 'call.missed', data: { callId: 'call-1', technicianId }, occurredAt: at(atS) }),
  ended: (reason: string, atS: number, extra: object = {}): CallDomainEvent => ({ type: 'call.ended', data: { callId: 'call-1', reason, durationMs: atS * 1000, ...extra }, occurredAt: at(atS) }),
};

/** A call to Ada and Ben, ringing both. */
const ringing = [e.created(), e.invited()];
const ended = [...ringing, e.missed('tech-ada', 5), e.missed('tech-ben', 5), e.ended('done', 5)];

describe('every command in every state', () => {
  const commands: Record<CallCommandType, CallCommand> = {
    CreateCall: createCall(),
    JoinCall: join(ada),
    DeclineCall: decline(ada),
    LeaveCall: leave(ada, 'hung up'),
    EndCall: end(dispatcher, 'done'),
    ExpireRinging: expire(60),
  };
  const outcomes: Record<'initial' | 'ended', Record<CallCommandType, CallErrorCode | 'nothing' | 'decides'>> = {
    initial: { CreateCall: 'decides', JoinCall: 'CALL_NOT_FOUND', DeclineCall: 'CALL_NOT_FOUND', LeaveCall: 'CALL_NOT_FOUND', EndCall: 'CALL_NOT_FOUND', ExpireRinging: 'nothing' },
    ended: { CreateCall: 'CALL_ALREADY_EXISTS', JoinCall: 'CALL_ENDED', DeclineCall: 'CALL_ENDED', LeaveCall: 'CALL_ENDED', EndCall: 'CALL_ENDED', ExpireRinging: 'nothing' },
  };
  const cells = Object.entries(outcomes).flatMap(([state, row]) => Object.entries(row).map(([type, outcome]) => [state, type, outcome] as const));

  it.each(cells.filter(([, , outcome]) => outcome !== 'decides'))('a call %s: %s → %s', (state, type, outcome) => {
    const when = spec.given(state === 'initial' ? [] : ended).when(commands[type as CallCommandType]);
    if (outcome === 'nothing') when.thenNothing();
    else when.thenThrows({ code: outcome });
  });
});

describe('starting a call', () => {
  it('creates and rings every invited technician (once each)', () => {
    const create = createCall(['tech-ada', 'tech-ada', 'tech-ben'], { jobId: 'job-9', mode: 'video' });
    spec.given([]).when(create).then([e.created({ jobId: 'job-9', mode: 'video' }), e.invited(['tech-ada', 'tech-ben'], { jobId: 'job-9' })]);
    const state = callDecider(policy).decide(create, initialCallState()).reduce(evolveCall, initialCallState()) as LiveCall;
    expect(state.invitees).toEqual({ 'tech-ada': { state: 'ringing', since: T0 }, 'tech-ben': { state: 'ringing', since: T0 } });
    expect(state.jobId).toBe('job-9');
  });

  it('records a call only with consent', () => {
    spec.given([]).when(createCall(['tech-ada'], { record: true, consent: true })).then([e.created({ record: true }), e.invited(['tech-ada'])]);
  });

  it.each([
    ['a technician as the caller', createCall(['tech-ben'], {}, ada), 'NOT_ALLOWED', 'forbidden'],
    ['nobody to call', createCall([]), 'NO_INVITEES', 'validation'],
    ['more invitees than the call holds', createCall(['a', 'b', 'c', 'd']), 'CALL_FULL', 'illegal_state'],
    ['recording without consent', createCall(['tech-ada'], { record: true }), 'RECORDING_NEEDS_CONSENT', 'validation'],
  ] as const)('refuses %s', (_name, create, code, kind) => {
    spec.given([]).when(create).thenThrows({ code, kind });
  });
});

describe('who may join', () => {
  it('lets the caller and the invited technicians in; a rejoin after a reconnect decides nothing', () => {
    spec.given(ringing).when(join(dispatcher, 1)).then([e.joined('u-disp', undefined, 1)]);
    spec.given([...ringing, e.joined('u-disp', undefined, 1)]).when(join(ada, 5)).then([e.joined('u-ada', 'tech-ada', 5)]);
    spec.given([...ringing, e.joined('u-ada', 'tech-ada', 5)]).when(join(ada, 9)).thenNothing();
  });

  it('marks a technician who joined as no longer ringing', () => {
    const state = [...ringing, e.joined('u-ada', 'tech-ada', 5)].reduce(evolveCall, initialCallState()) as LiveCall;
    expect(state.invitees['tech-ada']).toEqual({ state: 'joined', since: T0 + 5_000 });
  });

  it('keeps out the uninvited, another dispatcher, and anyone once the call is full', () => {
    const three = [e.created(), e.invited(['tech-ada', 'tech-ben', 'tech-eve'])];
    spec.given(three).when(join({ kind: 'user', id: 'u-zed', role: 'technician', technicianId: 'tech-zed' })).thenThrows({ code: 'NOT_INVITED', kind: 'forbidden' });
    spec.given(three).when(join({ kind: 'user', id: 'u-other', role: 'dispatcher' })).thenThrows({ code: 'NOT_INVITED' });
    const full = [...three, e.joined('u-disp'), ...[ada, ben, eve].map((t) => e.joined(t.id, t.technicianId))];
    spec.given(full).when(join({ kind: 'user', id: 'u-ada-phone-2', role: 'technician', technicianId: 'tech-ada' })).thenThrows({ code: 'CALL_FULL', message: '4 participants' });
  });
});

describe('ringing', () => {
  it('records a decline, and ends the call when everyone declined', () => {
    spec.given(ringing).when(decline(ada, 3)).then([e.declined('tech-ada', 'u-ada', 3)]);
    spec.given([...ringing, e.declined('tech-ada', 'u-ada', 3)]).when(decline(ben, 4)).then([e.declined('tech-ben', 'u-ben', 4), e.ended('declined', 4)]);
    spec.given([...ringing, e.declined('tech-ada', 'u-ada', 3)]).when(decline(ada, 5)).thenThrows({ code: 'NOT_RINGING' });
    spec.given(ringing).when(decline(dispatcher, 5)).thenThrows({ code: 'NOT_RINGING' });
  });

  it('marks invitees who never answered as missed after the timeout, not before', () => {
    const given = [...ringing, e.joined('u-disp')];
    expect(nextRingDeadline(given.reduce(evolveCall, initialCallState()), policy)).toBe(T0 + 30_000);
    spec.given(given).when(expire(29)).thenNothing();
    const adaIn = [...given, e.joined('u-ada', 'tech-ada', 10)];
    spec.given(adaIn).when(expire(30)).then([e.missed('tech-ben', 30)]);
    expect(nextRingDeadline([...adaIn, e.missed('tech-ben', 30)].reduce(evolveCall, initialCallState()), policy)).toBeUndefined();
  });

  it('ends with "no answer" when nobody answered and the caller has hung up', () => {
    spec.given([e.created(), e.invited(['tech-ada'])]).when(expire(31)).then([e.missed('tech-ada', 31), e.ended('no answer', 31)]);
  });
});

describe('leaving and ending', () => {
  const inCall = [e.created(), e.invited(['tech-ada']), e.joined('u-disp'), e.joined('u-ada', 'tech-ada', 4)];

  it('records each participant’s time in the call; the last one out ends it', () => {
    spec.given(inCall).when(leave(dispatcher, 'hung up', 64)).then([e.left('u-disp', 'hung up', 64_000, 64)]);
    spec.given([...inCall, e.left('u-disp', 'hung up', 64_000, 64)]).when(leave(ada, 'connection lost', 70)).then([e.left('u-ada', 'connection lost', 66_000, 70), e.ended('everyone left', 70)]);
    spec.given(inCall).when(leave(ben, 'x')).thenThrows({ code: 'NOT_IN_CALL' });
  });

  it('ends for everyone when a dispatcher (or the media engine) ends it; a technician cannot', () => {
    const withAda = [e.created({ jobId: 'job-9' }), e.invited(['tech-ada', 'tech-ben'], { jobId: 'job-9' }), e.joined('u-ada', 'tech-ada', 2)];
    spec.given(withAda).when(end(ada, 'x')).thenThrows({ code: 'NOT_ALLOWED', kind: 'forbidden' });
    spec
      .given(withAda)
      .when(end(media, 'media worker died', 12))
      .then([e.left('u-ada', 'media worker died', 10_000, 12), e.missed('tech-ben', 12), e.ended('media worker died', 12, { jobId: 'job-9' })]);
    spec.given(withAda).when(end(dispatcher, 'done', 12)).thenState({ status: 'ended', callId: 'call-1', reason: 'done', endedAt: T0 + 12_000 });
  });
});

describe('push-to-talk floor', () => {
  const ptt = (): Call => [e.created({ ptt: true }), e.invited(), ...[dispatcher, ada, ben].map((a) => e.joined(a.id, a.technicianId))].reduce(evolveCall, initialCallState());
  const fails = (fn: () => unknown, code: CallErrorCode) => expect(fn).toThrow(expect.objectContaining({ code }));

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
    const gone = evolveCall(held, e.left('u-ada', 'connection lost', 1, 5));
    expect((gone as LiveCall).floor).toBeUndefined();
    fails(() => requestFloor(gone, 'u-ada', T0), 'NOT_IN_CALL');
    const plain = [...ringing, e.joined('u-ada', 'tech-ada')].reduce(evolveCall, initialCallState());
    fails(() => requestFloor(plain, 'u-ada', T0), 'NOT_PTT');
  });
});

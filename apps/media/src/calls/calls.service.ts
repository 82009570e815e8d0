import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import {
  type Call,
  type CallCommand,
  callDecider,
  type CallDomainEvent,
  CallError,
  type CommandActor,
  type Decider,
  type LiveCall,
  nextRingDeadline,
  releaseFloor,
  requestFloor,
} from '#libs/domain';
import { keyFor, newEnvelope, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { Clock, type Role } from '#libs/platform';
import { RedisService } from '#libs/redis';
import { CallRecorder } from '../engine/call-recorder';
import { CallRoom, type Notify } from '../engine/call-room';
import { turnCredentials } from '../engine/turn-credentials';
import { MediaUnavailableError, WorkerPool } from '../engine/worker-pool';
import { MEDIA_OPTIONS, type MediaOptions } from '../media.options';

export interface Caller {
  tenantId: string;
  userId: string;
  role: Role;
  technicianId?: string;
}

export interface CreateCallInput {
  technicianIds: string[];
  jobId?: string;
  mode: 'audio' | 'video';
  ptt: boolean;
  record: boolean;
  consent: boolean;
}

/** What a ringing device is told (on every connection of each invited technician). */
export interface Invite {
  callId: string;
  from: string;
  mode: 'audio' | 'video';
  ptt: boolean;
  jobId?: string;
  technicianIds: string[];
}

interface CallRecord {
  tenantId: string;
  state: Call;
  room: CallRoom;
  recorder?: CallRecorder;
  ringTimer?: ReturnType<typeof setTimeout>;
  /** A participant whose socket dropped keeps their place this long. */
  grace: Map<string, ReturnType<typeof setTimeout>>;
}

export const invitesChannel = (tenantId: string) => `fl:{${tenantId}}:call-invites`;

const actorOf = (caller: Caller): CommandActor =>
  caller.role === 'integrator'
    ? { kind: 'integrator', id: caller.userId }
    : { kind: 'user', id: caller.userId, role: caller.role, ...(caller.technicianId ? { technicianId: caller.technicianId } : {}) };

/**
 * Calls on this node: the domain decides (libs/domain call decider), events go to Kafka before the
 * state changes, and the room (mediasoup) follows. Invitations ring through Redis pub/sub on every
 * media node, so each of an invitee's sockets rings. A worker that dies ends its calls with a reason.
 */
@Injectable()
export class CallsService implements OnModuleInit, OnApplicationShutdown {
  private readonly calls = new Map<string, CallRecord>();
  private readonly decider: Decider<Call, CallCommand, CallDomainEvent>;

  constructor(
    private readonly clock: Clock,
    private readonly pool: WorkerPool,
    private readonly kafka: KafkaService,
    private readonly redis: RedisService,
    @Inject(MEDIA_OPTIONS) private readonly options: MediaOptions,
  ) {
    this.decider = callDecider(options.policy);
  }

  onModuleInit(): void {
    this.pool.onWorkerDied((pooled) => {
      for (const [key, call] of this.calls) {
        if (call.room.workerIndex !== pooled.index) continue;
        const [tenantId, callId] = key.split('|') as [string, string];
        void this.run({ tenantId, userId: 'media', role: 'admin' }, callId, { type: 'EndCall', data: { reason: 'the media server failed; call again' } }, { kind: 'system', id: `media:${this.options.nodeId}` }).catch(() => undefined);
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    for (const [key] of this.calls) {
      const [tenantId, callId] = key.split('|') as [string, string];
      await this.run({ tenantId, userId: 'media', role: 'admin' }, callId, { type: 'EndCall', data: { reason: 'the media server is restarting; call again' } }, { kind: 'system', id: `media:${this.options.nodeId}` }).catch(() => undefined);
    }
  }

  async create(caller: Caller, input: CreateCallInput): Promise<{ callId: string; state: LiveCall }> {
    const callId = `call_${uuidv7()}`;
    const command = { type: 'CreateCall', data: { callId, ...input }, context: this.context(caller) } as const;
    // The rules first (who may call, whom, recording consent), then whether there is media to call with.
    const events = this.decider.decide(command, this.decider.initialState());
    const reason = this.pool.unavailableReason;
    if (reason) throw new MediaUnavailableError(reason);
    const room = await CallRoom.open(this.pool.pick(), { audioOnly: input.mode === 'audio', ptt: input.ptt, maxIncomingBitrate: this.options.maxIncomingBitrate }, this.options.logger);
    try {
      await this.publish(caller.tenantId, callId, events, actorOf(caller));
    } catch (error) {
      room.close('call.ended', { reason: 'not started' });
      throw error;
    }
    const state = events.reduce(this.decider.evolve, this.decider.initialState()) as LiveCall;
    const record: CallRecord = { tenantId: caller.tenantId, state, room, grace: new Map() };
    if (input.record) record.recorder = new CallRecorder(room.router, this.options.recordingsDir, callId, this.options.logger);
    this.calls.set(this.key(caller.tenantId, callId), record);
    this.armRinging(caller.tenantId, callId, record);
    const invite: Invite = { callId, from: caller.userId, mode: input.mode, ptt: input.ptt, technicianIds: [...new Set(input.technicianIds)], ...(input.jobId ? { jobId: input.jobId } : {}) };
    await this.redis.client.publish(invitesChannel(caller.tenantId), JSON.stringify(invite));
    return { callId, state };
  }

  view(caller: Caller, callId: string): LiveCall {
    const call = this.record(caller.tenantId, callId);
    const state = call.state as LiveCall;
    const involved = caller.role !== 'technician' || (caller.technicianId !== undefined && state.invitees[caller.technicianId] !== undefined);
    if (!involved) throw new CallError('CALL_NOT_FOUND', 'no such call');
    return state;
  }

  /** Media counts of a call the caller may see (its dispatcher, or an invited technician). */
  stats(caller: Caller, callId: string) {
    this.view(caller, callId);
    return this.record(caller.tenantId, callId).room.stats();
  }

  /** Joins (or rejoins after a reconnect: the same transports and media, now on `notify`). */
  async join(caller: Caller, callId: string, notify: Notify) {
    const call = this.record(caller.tenantId, callId);
    await this.run(caller, callId, { type: 'JoinCall', data: {} });
    clearTimeout(call.grace.get(caller.userId));
    call.grace.delete(caller.userId);
    const { producers } = call.room.attach(caller.userId, notify);
    call.room.broadcast('participantJoined', { userId: caller.userId, ...(caller.technicianId ? { technicianId: caller.technicianId } : {}) }, caller.userId);
    const state = call.state as LiveCall;
    const { turn, iceTransportPolicy } = this.options;
    const iceServers = turn ? [turnCredentials(turn, caller.userId, this.clock.now().getTime())] : [];
    return { rtpCapabilities: call.room.rtpCapabilities, producers, participants: Object.values(state.participants), floor: state.floor?.userId ?? null, mode: state.mode, ptt: state.ptt, iceServers, iceTransportPolicy };
  }

  decline(caller: Caller, callId: string): Promise<void> {
    return this.run(caller, callId, { type: 'DeclineCall', data: {} });
  }

  leave(caller: Caller, callId: string, reason = 'hung up'): Promise<void> {
    return this.run(caller, callId, { type: 'LeaveCall', data: { reason } });
  }

  end(caller: Caller, callId: string, reason = 'ended by the dispatcher'): Promise<void> {
    return this.run(caller, callId, { type: 'EndCall', data: { reason } });
  }

  /** The participant's socket is gone: they keep their place for the grace period, then leave. */
  disconnected(caller: Caller, callId: string): void {
    const call = this.calls.get(this.key(caller.tenantId, callId));
    if (!call || call.state.status !== 'live' || !call.state.participants[caller.userId]) return;
    clearTimeout(call.grace.get(caller.userId));
    const timer = setTimeout(() => void this.leave(caller, callId, 'connection lost').catch(() => undefined), this.options.rejoinGraceMs);
    timer.unref();
    call.grace.set(caller.userId, timer);
  }

  async takeFloor(caller: Caller, callId: string): Promise<void> {
    const call = this.record(caller.tenantId, callId);
    call.state = requestFloor(call.state, caller.userId, this.clock.now().getTime());
    await call.room.applyFloor(caller.userId);
  }

  async giveFloor(caller: Caller, callId: string): Promise<void> {
    const call = this.record(caller.tenantId, callId);
    const before = (call.state as LiveCall).floor?.userId;
    call.state = releaseFloor(call.state, caller.userId);
    if (before === caller.userId) await call.room.applyFloor(undefined);
  }

  /** The room of a call the caller is in (media requests). */
  room(caller: Caller, callId: string): CallRoom {
    const call = this.record(caller.tenantId, callId);
    if (call.state.status !== 'live' || !call.state.participants[caller.userId]) throw new CallError('NOT_IN_CALL', 'join the call first');
    return call.room;
  }

  /** A producer of a recorded call is recorded from its start. */
  recordProducer(caller: Caller, callId: string, producerId: string): void {
    const call = this.record(caller.tenantId, callId);
    const producer = call.room.producers().find((p) => p.id === producerId);
    if (call.recorder && producer) void call.recorder.add(producer).catch((e: Error) => this.options.logger.error({ context: 'recording', callId, err: e.message }, 'recording a track failed'));
  }

  private async run(caller: Caller, callId: string, command: Omit<CallCommand, 'context'>, actor: CommandActor = actorOf(caller)): Promise<void> {
    const call = this.record(caller.tenantId, callId);
    const events = this.decider.decide({ ...command, context: { ...this.context(caller), actor } } as CallCommand, call.state);
    if (events.length === 0) return;
    await this.publish(caller.tenantId, callId, events, actor);
    const before = call.state;
    call.state = events.reduce(this.decider.evolve, call.state);
    await this.follow(call, before, events, callId);
  }

  /** The room and timers follow the decided events. */
  private async follow(call: CallRecord, before: Call, events: CallDomainEvent[], callId: string): Promise<void> {
    // An end first: it comes with a call.left for everyone still in, and a participant removed from
    // the room before hearing the end would never be told.
    const ended = events.find((e) => e.type === 'call.ended');
    if (ended) {
      clearTimeout(call.ringTimer);
      call.grace.forEach(clearTimeout);
      this.calls.delete(this.key(call.tenantId, callId));
      const files = (await call.recorder?.stop()) ?? [];
      call.room.close('call.ended', { callId, reason: (ended.data as { reason: string }).reason });
      const jobId = (before as LiveCall).jobId;
      const recordings = files.map((f) => ({ type: 'call.recording_ready', data: { callId, ...(jobId ? { jobId } : {}), file: f.file, bytes: f.bytes, durationMs: f.durationMs }, occurredAt: this.clock.now().toISOString() }) as CallDomainEvent);
      if (recordings.length) await this.publish(call.tenantId, callId, recordings, { kind: 'system', id: `media:${this.options.nodeId}` }).catch(() => undefined);
      return;
    }
    for (const event of events) {
      if (event.type === 'call.left') {
        call.room.removePeer(event.data.userId);
        call.room.broadcast('participantLeft', { userId: event.data.userId, reason: event.data.reason });
        if (before.status === 'live' && before.floor?.userId === event.data.userId) await call.room.applyFloor(undefined);
      }
      if (event.type === 'call.declined' || event.type === 'call.missed') call.room.broadcast('inviteAnswered', { technicianId: event.data.technicianId, answer: event.type === 'call.declined' ? 'declined' : 'missed' });
    }
    this.armRinging(call.tenantId, callId, call);
  }

  private armRinging(tenantId: string, callId: string, call: CallRecord): void {
    clearTimeout(call.ringTimer);
    const deadline = nextRingDeadline(call.state, this.options.policy);
    if (deadline === undefined) return;
    call.ringTimer = setTimeout(
      () => void this.run({ tenantId, userId: 'media', role: 'admin' }, callId, { type: 'ExpireRinging', data: {} }, { kind: 'system', id: `media:${this.options.nodeId}` }).catch(() => undefined),
      Math.max(0, deadline - this.clock.now().getTime()), // the deadline is in the calls' (the clock's) time
    );
    call.ringTimer.unref();
  }

  /** Events are on Kafka (acks=all) before anything acts on them. */
  private async publish(tenantId: string, callId: string, events: CallDomainEvent[], actor: CommandActor): Promise<void> {
    const { role: _role, technicianId: _technicianId, ...envelopeActor } = actor;
    const records = events.map((e) => {
      const event = newEnvelope({ type: e.type, data: e.data, tenantId, streamId: callId, actor: envelopeActor, occurredAt: new Date(e.occurredAt) } as never, { clock: () => this.clock.now() });
      return { topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': tenantId, 'event-type': e.type } };
    });
    await this.kafka.send(records);
  }

  private record(tenantId: string, callId: string): CallRecord {
    const call = this.calls.get(this.key(tenantId, callId));
    if (!call) throw new CallError('CALL_NOT_FOUND', 'no such call (or it has ended)');
    return call;
  }

  private context(caller: Caller) {
    return { now: this.clock.now(), actor: actorOf(caller), tenantId: caller.tenantId };
  }

  private key(tenantId: string, callId: string): string {
    return `${tenantId}|${callId}`;
  }
}

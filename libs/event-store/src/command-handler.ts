import { Injectable, Optional } from '@nestjs/common';
import { type CommandContext, type Decider, type DomainEvent, fold } from '#libs/domain';
import type { FieldlineEvent } from '#libs/events';
import { isTransactionConflict } from '#libs/timescale';
import { StaleVersionError, StreamConflictError } from './event-store.errors';
import { EventStore, type Session } from './event-store';
import { OutboxRelay } from './outbox-relay';

export interface CommandRequest<State, Command extends { context: CommandContext }, Event, Projected = void> {
  tenantId: string;
  streamId: string;
  decider: Decider<State, Command, Event>;
  command: Command;
  /** From If-Match: refuse (412) unless the stream is exactly at this version. */
  expectedVersion?: number;
  /**
   * The stream id was minted for this command (a new UUIDv7): there is nothing to read, so the first
   * attempt decides on the empty stream without asking the store. Should the id exist after all, the
   * append conflicts and the next attempt reads it as usual.
   */
  fresh?: boolean;
  /**
   * Rules on data outside the stream (an assignment's technician): reads it, throws a refusal, and returns
   * the append's guard (AppendRequest.guard), which fails the append if that data changed meanwhile: then
   * the command is decided again on fresh data. First without a transaction (no session); after a failed
   * guard in one, and then the check locks what it reads (a hot technician's assignments queue).
   */
  check?: (session: Session, state: State) => Promise<unknown>;
  /**
   * The read model kept in step with the append, made by the append itself (on PostgreSQL an
   * INSERT/UPDATE … RETURNING in the append's own statement: atomic, no extra round trip); its row comes
   * back as `projected`. Built by a repository of the same store (see AppendRequest.projection).
   */
  projection?: (events: FieldlineEvent[], state: State, version: number) => unknown;
  /** Read models that need several statements: run after the append, in a transaction with it. */
  project?: (session: Session, events: FieldlineEvent[], state: State, version: number) => Promise<Projected>;
}

export interface CommandResult<State, Projected = void> {
  state: State;
  version: number;
  events: FieldlineEvent[];
  /** The read model as this command left it (when it appended): the answer, without reading it again later. */
  projected?: Projected;
}

const ATTEMPTS = 5;

/**
 * load → fold → check → decide → append with the expected version: the events, their outbox rows, the
 * inline read model and the check's guard in one statement (in a transaction only when a projection
 * needs several statements). A conflict without If-Match is retried on fresh state (the decision may
 * change: the second of two racing assignments then meets an assigned job); with If-Match it is the
 * client's to resolve (412, also for the loser of a race at that version). A transaction the server
 * aborted (deadlock, serialization failure) or an append whose guard failed is run again whatever the
 * If-Match: nothing of it committed. Retries wait a few random milliseconds, so racers do not meet
 * again in lockstep; the last failure is answered 409 with Retry-After.
 */
@Injectable()
export class CommandHandler {
  constructor(
    private readonly store: EventStore,
    /** Woken after an append commits, so it publishes at once instead of at its next poll. */
    @Optional() private readonly relay?: OutboxRelay,
  ) {}

  async handle<State, Command extends { context: CommandContext }, Event, Projected = void>(
    request: CommandRequest<State, Command, Event, Projected>,
  ): Promise<CommandResult<State, Projected>> {
    let contended = false;
    for (let attempt = 1; ; attempt++) {
      try {
        // A command needs no transaction: the append (with its outbox rows, projection and guard) is one
        // atomic statement, the expected version guards the stream it read and the guard what a check read.
        // Multi-statement projections run in one; so does a command whose guard failed: in a transaction
        // its check locks what it reads, so racers on one technician queue instead of failing in turn.
        const fresh = request.fresh === true && attempt === 1;
        const result = request.project || (contended && request.check) ? await this.store.transaction((session) => this.once(request, fresh, session)) : await this.once(request, fresh);
        if (result.events.length > 0) this.relay?.kick();
        return result;
      } catch (error) {
        if (error instanceof StreamConflictError && request.expectedVersion !== undefined) {
          // With If-Match, losing the race is the precondition failing: 412 with the version that won.
          throw new StaleVersionError(request.streamId, request.expectedVersion, await this.store.version(request.tenantId, request.streamId));
        }
        const conflict = isTransactionConflict(error);
        contended ||= conflict;
        const retryable = conflict || error instanceof StreamConflictError;
        if (!retryable || attempt >= ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  private async once<State, Command extends { context: CommandContext }, Event, Projected>(
    request: CommandRequest<State, Command, Event, Projected>,
    fresh: boolean,
    session?: Session,
  ): Promise<CommandResult<State, Projected>> {
    const { tenantId, streamId, decider, command } = request;
    const stream = fresh ? { events: [], version: 0 } : await this.store.readStream(tenantId, streamId, session);
    if (request.expectedVersion !== undefined && request.expectedVersion !== stream.version) {
      throw new StaleVersionError(streamId, request.expectedVersion, stream.version);
    }
    const state = fold(decider, stream.events as unknown as Event[]);
    const guard = await request.check?.(session, state);
    const decided = decider.decide(command, state);
    if (decided.length === 0) return { state, version: stream.version, events: [] };
    const next = fold(decider, decided, state);
    const version = stream.version + decided.length;
    const appended = await this.store.append<Projected>(
      {
        tenantId,
        streamId,
        expectedVersion: stream.version,
        events: decided as unknown as DomainEvent[],
        context: command.context,
        guard,
        projection: request.projection && ((events) => request.projection!(events, next, version)),
      },
      session,
    );
    const projected = request.project ? await request.project(session, appended.events, next, version) : appended.projected;
    return { state: next, version, events: appended.events, projected };
  }
}

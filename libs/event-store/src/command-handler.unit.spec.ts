import type { CommandContext, Decider } from '#libs/domain';
import { CommandHandler } from './command-handler';
import { FactsChangedError, StaleVersionError, StreamConflictError } from './event-store.errors';
import type { AppendRequest, Session } from './event-store';
import { InMemoryEventStore } from './in-memory-event-store';

// load → fold → decide → append on the in-memory store: positions, conflicts and their retries,
// If-Match, rollback. The same handler on PostgreSQL: apps/api/test/concurrency.e2e.spec.ts.

const TENANT = 'acme';
const context: CommandContext = { now: new Date('2026-11-30T23:59:00.000Z'), actor: { kind: 'user', id: 'u-1', role: 'dispatcher' }, tenantId: TENANT };

/** Notes on a job, each added once: a note already on the stream is decided to nothing. */
type AddNotes = { type: 'AddNotes'; data: { ids: string[] }; context: CommandContext };
type NoteAdded = { type: 'job.note_added'; data: { noteId: string; text: string; authorId: string } };
const notes: Decider<string[], AddNotes, NoteAdded> = {
  decide: (command, seen) => {
    if (command.data.ids.includes('refused')) throw Object.assign(new Error('refused by the decider'), { code: 'REFUSED' });
    return command.data.ids.filter((id) => !seen.includes(id)).map((id) => ({ type: 'job.note_added', data: { noteId: id, text: id, authorId: 'u-1' } }));
  },
  evolve: (seen, event) => [...seen, event.data.noteId],
  initialState: () => [],
};
const add = (...ids: string[]): AddNotes => ({ type: 'AddNotes', data: { ids }, context });
const note = (id: string) => ({ type: 'job.note_added', data: { noteId: id, text: id, authorId: 'u-1' } }) as never;

/** A store where another writer appends a note just before each of our next `racers` appends. */
class RacedStore extends InMemoryEventStore {
  racers = 0;
  override async append<Row>(request: AppendRequest, session?: Session) {
    if (this.racers > 0) {
      await super.append({ ...request, events: [note(`racer-${this.racers--}`)] });
    }
    return super.append<Row>(request, session);
  }
}

const handle = (handler: CommandHandler, streamId: string, command: AddNotes, expectedVersion?: number) =>
  handler.handle({ tenantId: TENANT, streamId, decider: notes, command, ...(expectedVersion === undefined ? {} : { expectedVersion }) });

const notesIn = async (store: InMemoryEventStore, streamId: string) => (await store.readStream(TENANT, streamId)).events.map((e) => (e.data as { noteId: string }).noteId);

it('appends what the decider decides at the next positions, stamped with the command’s time and actor', async () => {
  const store = new InMemoryEventStore();
  const handler = new CommandHandler(store);
  await handle(handler, 'job-1', add('a'));
  const result = await handle(handler, 'job-1', add('b', 'c'));
  expect(result.version).toBe(3);
  expect(result.state).toEqual(['a', 'b', 'c']);
  expect(result.events.map((e) => [e.type, e.streamPosition, e.occurredAt, e.actor.id])).toEqual([
    ['job.note_added', 2, '2026-11-30T23:59:00.000Z', 'u-1'],
    ['job.note_added', 3, '2026-11-30T23:59:00.000Z', 'u-1'],
  ]);
  expect(store.outbox.map((e) => e.streamPosition)).toEqual([1, 2, 3]);
});

it('appends nothing when the decider decides nothing, and refuses what the decider refuses', async () => {
  const store = new InMemoryEventStore();
  const handler = new CommandHandler(store);
  await handle(handler, 'job-1', add('a', 'b'));
  const again = await handle(handler, 'job-1', add('b'));
  expect(again).toMatchObject({ events: [], version: 2 });
  await expect(handle(handler, 'job-2', add('c', 'refused'))).rejects.toMatchObject({ code: 'REFUSED' });
  expect(await notesIn(store, 'job-1')).toEqual(['a', 'b']);
  expect(await store.version(TENANT, 'job-2')).toBe(0);
  expect(store.outbox).toHaveLength(2);
});

it('without If-Match, a lost race is decided again on the fresh stream', async () => {
  const store = new RacedStore();
  const handler = new CommandHandler(store);
  await handle(handler, 'job-1', add('a'));
  store.racers = 1;
  const result = await handle(handler, 'job-1', add('racer-1', 'b'));
  // the racer's note landed first; decided again, ours adds only what is still missing
  expect(result.events.map((e) => (e.data as { noteId: string }).noteId)).toEqual(['b']);
  expect(await notesIn(store, 'job-1')).toEqual(['a', 'racer-1', 'b']);
});

it('with If-Match, a lost race is the precondition failing: StaleVersionError naming the version that won', async () => {
  const store = new RacedStore();
  const handler = new CommandHandler(store);
  await handle(handler, 'job-1', add('a'));
  store.racers = 1;
  const error = await handle(handler, 'job-1', add('b'), 1).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StaleVersionError);
  expect(error).toMatchObject({ expected: 1, actual: 2 });
});

it('gives up after five lost races with the conflict, and each retry saw the stream as it then was', async () => {
  const store = new RacedStore();
  const handler = new CommandHandler(store);
  await handle(handler, 'job-1', add('a'));
  store.racers = 5;
  const error = await handle(handler, 'job-1', add('b')).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StreamConflictError);
  expect(await notesIn(store, 'job-1')).toEqual(['a', 'racer-5', 'racer-4', 'racer-3', 'racer-2', 'racer-1']); // none of ours
});

it('a check that refuses inside the transaction leaves nothing appended', async () => {
  const store = new InMemoryEventStore();
  const handler = new CommandHandler(store);
  await handle(handler, 'job-1', add('a'));
  const refused = handler.handle({
    tenantId: TENANT,
    streamId: 'job-1',
    decider: notes,
    command: add('b'),
    check: async () => {
      throw new Error('technician is gone');
    },
  });
  await expect(refused).rejects.toThrow('technician is gone');
  expect(await store.version(TENANT, 'job-1')).toBe(1);
});

it('a multi-statement projection runs in the append’s transaction: when it fails, the append is undone', async () => {
  const store = new InMemoryEventStore();
  const handler = new CommandHandler(store);
  await handle(handler, 'job-1', add('a'));
  const failed = handler.handle({
    tenantId: TENANT,
    streamId: 'job-1',
    decider: notes,
    command: add('b'),
    project: async () => {
      throw new Error('read model write failed');
    },
  });
  await expect(failed).rejects.toThrow('read model write failed');
  expect(await store.version(TENANT, 'job-1')).toBe(1);
  expect(store.outbox).toHaveLength(1);
});

it('a guard that fails the append (what the check read changed): decided again in a transaction, where the check can lock; appended once', async () => {
  const store = new InMemoryEventStore();
  const handler = new CommandHandler(store);
  const inSession: boolean[] = [];
  let changes = 1; // what the check read changes once between its read and our append
  const result = await handler.handle({
    tenantId: TENANT,
    streamId: 'job-1',
    decider: notes,
    command: add('a'),
    check: async (session) => {
      inSession.push(session !== undefined);
      return () => {
        if (changes-- > 0) throw new FactsChangedError('job-1');
      };
    },
  });
  expect(inSession).toEqual([false, true]);
  expect(result.version).toBe(1);
  expect(await notesIn(store, 'job-1')).toEqual(['a']);
  expect(store.outbox).toHaveLength(1);
});

it('a guard that fails every time gives up after five attempts with the retryable conflict, appending nothing', async () => {
  const store = new InMemoryEventStore();
  const handler = new CommandHandler(store);
  let checks = 0;
  const failed = handler.handle({
    tenantId: TENANT,
    streamId: 'job-1',
    decider: notes,
    command: add('a'),
    check: async () => {
      checks++;
      return () => {
        throw new FactsChangedError('job-1');
      };
    },
  });
  await expect(failed).rejects.toMatchObject({ name: 'FactsChangedError', code: '40001' });
  expect(checks).toBe(5);
  expect(await store.version(TENANT, 'job-1')).toBe(0);
});

it('a fresh stream (an id minted for the command) is decided without a read; if the id exists after all, the conflict makes the next attempt read it', async () => {
  const store = new InMemoryEventStore();
  const handler = new CommandHandler(store);
  const reads = jest.spyOn(store, 'readStream');
  await handler.handle({ tenantId: TENANT, streamId: 'job-new', decider: notes, command: add('a'), fresh: true });
  expect(reads).not.toHaveBeenCalled();
  expect(await notesIn(store, 'job-new')).toEqual(['a']);

  reads.mockClear();
  await handler.handle({ tenantId: TENANT, streamId: 'job-new', decider: notes, command: add('a', 'b'), fresh: true });
  expect(reads).toHaveBeenCalledTimes(1); // the retry's
  expect(await notesIn(store, 'job-new')).toEqual(['a', 'b']); // 'a' was on the stream: decided again, only 'b'
});

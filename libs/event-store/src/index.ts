export { type CommandRequest, type CommandResult, CommandHandler } from './command-handler';
export { type AppendRequest, EventStore, envelopesOf, type Session, type Stream } from './event-store';
export { CorruptStreamError, FactsChangedError, StaleVersionError, StreamConflictError } from './event-store.errors';
export { EventStoreModule } from './event-store.module';
export { InMemoryEventStore } from './in-memory-event-store';
export { OUTBOX_OPTIONS, type OutboxOptions, OutboxRelay } from './outbox-relay';
export { PostgresEventStore } from './postgres-event-store';

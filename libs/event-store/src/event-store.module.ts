import { type DynamicModule, Module } from '@nestjs/common';
import { CommandHandler } from './command-handler';
import { EventStore } from './event-store';
import { OUTBOX_OPTIONS, OutboxRelay, type OutboxOptions } from './outbox-relay';
import { PostgresEventStore } from './postgres-event-store';

/** The event store on the app's database (DatabaseModule), its command handler and the outbox relay to Kafka. */
@Module({})
export class EventStoreModule {
  static forRoot(options: OutboxOptions): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [{ provide: OUTBOX_OPTIONS, useValue: options }, { provide: EventStore, useClass: PostgresEventStore }, CommandHandler, OutboxRelay],
      exports: [EventStore, CommandHandler, OutboxRelay],
    };
  }
}

import { type DynamicModule, Module } from '@nestjs/common';
import { CommandHandler } from './command-handler.service';
import { EventStore } from './event-store.service';
import { OUTBOX_OPTIONS, OutboxRelay, type OutboxOptions } from './outbox-relay.service';

@Module({})
export class EventStoreModule {
  static forRoot(options: OutboxOptions): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [{ provide: OUTBOX_OPTIONS, useValue: options }, EventStore, CommandHandler, OutboxRelay],
      exports: [EventStore, CommandHandler, OutboxRelay],
    };
  }
}

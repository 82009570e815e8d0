import { type DynamicModule, Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { DatabaseHealthCheck } from './database.health';
import { DATABASE_OPTIONS, type DatabaseOptions, DatabaseService } from './database.service';
import { migrate } from './migrations';

@Global()
@Module({})
export class DatabaseModule implements OnModuleInit {
  constructor(
    private readonly db: DatabaseService,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseOptions,
  ) {}

  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DATABASE_OPTIONS, useValue: options }, DatabaseService, HealthIndicatorService, DatabaseHealthCheck],
      exports: [DatabaseService, DatabaseHealthCheck],
    };
  }

  static forEnv(env: { DATABASE_URL: string; DATABASE_POOL_MAX: number }, logger: Logger, migrate = false): DynamicModule {
    return DatabaseModule.forRoot({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, logger, migrate });
  }

  /** The schema is current before any service of the app queries it. */
  async onModuleInit(): Promise<void> {
    if (this.options.migrate) await migrate(this.db, this.options.logger);
  }
}

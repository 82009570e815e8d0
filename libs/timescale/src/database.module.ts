import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { DatabaseHealthCheck } from './database.health';
import { DATABASE_OPTIONS, type DatabaseOptions, DatabaseService } from './database.service';
import { DatabaseUnavailableError } from './database.errors';
import { migrate } from './migrations';

@Global()
@Module({})
export class DatabaseModule implements OnModuleInit, OnApplicationShutdown {
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

  static forEnv(
    env: { DATABASE_URL: string; DATABASE_POOL_MAX: number; DATABASE_PREPARED_STATEMENTS?: number },
    logger: Logger,
    migrate = false,
    options: Pick<DatabaseOptions, 'statementTimeoutMs'> = {},
  ): DynamicModule {
    return DatabaseModule.forRoot({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, logger, migrate, preparedStatements: env.DATABASE_PREPARED_STATEMENTS !== 0, ...options });
  }

  /**
   * The schema is current before any service of the app queries it. A database that is away at start
   * does not stop the app: it starts not ready, every query answers "unavailable" (503), and the
   * migrations are retried (1 s, doubling to 10 s) until they ran.
   */
  async onModuleInit(): Promise<void> {
    if (!this.options.migrate) return;
    this.db.holdUntilSchemaReady('the database was unavailable at start; the schema is migrated as soon as it answers');
    if (await this.migrated()) return;
    void (async () => {
      for (let delayMs = 1_000; !this.stopping; delayMs = Math.min(10_000, delayMs * 2)) {
        await new Promise((r) => setTimeout(r, delayMs).unref());
        // A migration that fails once the database answers is as fatal as at start (where Nest's init
        // fails): exit, rather than stay up not ready forever.
        if (!this.stopping && (await this.migrated().catch(() => process.exit(1)))) return;
      }
    })();
  }

  onApplicationShutdown(): void {
    this.stopping = true;
  }

  private stopping = false;

  /** One attempt: true once the schema is current; false while the database cannot be reached. */
  private async migrated(): Promise<boolean> {
    try {
      await migrate(this.db.unchecked, this.options.logger); // its queries report a lost database as DatabaseUnavailableError
      this.db.schemaReady();
      return true;
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) {
        this.options.logger.error({ context: 'migrations', err: (error as Error).message }, 'migrations failed; fix them and restart');
        throw error;
      }
      this.options.logger.warn({ context: 'migrations', err: error.message }, 'database unavailable: migrations wait for it');
      return false;
    }
  }
}

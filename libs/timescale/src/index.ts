export { DatabaseHealthCheck } from './database.health';
export { DatabaseModule } from './database.module';
export { DATABASE_OPTIONS, type DatabaseOptions, DatabaseService, type Queryable, queryableOf } from './database.service';
export { type Migration, MigrationError, migrate, migrationsDir, readMigrations } from './migrations';
export { withDatabaseEnv } from './timescale.env';
export { asUnavailable, DatabaseUnavailableError, isConnectionError, isTransactionConflict, isUniqueViolation } from './database.errors';
export { type Sql, type Statement, statement } from './statement';
export { type DatabaseHost, type DatabaseUrl, parseDatabaseUrl } from './database-url';
export { HostFailoverPool, ReadOnlyHostError } from './host-failover.pool';

import { type Constructor, EnvConnectionUrl, EnvFlag, EnvInt } from '#libs/platform';

/** DATABASE_URL: a postgres:// URL of a PostgreSQL server with the TimescaleDB extension. */
export function withDatabaseEnv<Base extends Constructor>(base: Base) {
  class DatabaseEnv extends base {
    @EnvConnectionUrl(['postgres', 'postgresql'], { required: true, message: 'DATABASE_URL must be a postgres:// URL' })
    DATABASE_URL!: string;

    @EnvInt({ min: 1, max: 200 })
    DATABASE_POOL_MAX: number = 10;

    /** 0 behind a pooler that cannot keep prepared statements per client (PgBouncer in transaction mode before 1.21). */
    @EnvFlag()
    DATABASE_PREPARED_STATEMENTS: number = 1;
  }
  return DatabaseEnv;
}

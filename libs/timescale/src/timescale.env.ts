import { ValidateBy } from 'class-validator';
import { type Constructor, EnvConnectionUrl, EnvFlag, EnvInt } from '#libs/platform';
import { parseDatabaseUrl } from './database-url';

/** What is wrong with a postgres:// URL's host list or target_session_attrs; undefined when nothing is (other schemes are EnvConnectionUrl's to refuse). */
function hostListProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^postgres(ql)?:\/\//.test(value)) return undefined;
  try {
    parseDatabaseUrl(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * DATABASE_URL: a postgres:// URL of a PostgreSQL server with the TimescaleDB extension; or, the libpq
 * way, of several (a primary and its standbys): postgres://u:p@h1:p1,h2:p2/db?target_session_attrs=read-write.
 */
export function withDatabaseEnv<Base extends Constructor>(base: Base) {
  class DatabaseEnv extends base {
    @EnvConnectionUrl(['postgres', 'postgresql'], { required: true, message: 'DATABASE_URL must be a postgres:// URL' })
    @ValidateBy({
      name: 'databaseHosts',
      validator: { validate: (value) => hostListProblem(value) === undefined, defaultMessage: (args) => `DATABASE_URL: ${hostListProblem(args?.value)}` },
    })
    DATABASE_URL!: string;

    @EnvInt({ min: 1, max: 200 })
    DATABASE_POOL_MAX: number = 10;

    /** 0 behind a pooler that cannot keep prepared statements per client (PgBouncer in transaction mode before 1.21). */
    @EnvFlag()
    DATABASE_PREPARED_STATEMENTS: number = 1;
  }
  return DatabaseEnv;
}

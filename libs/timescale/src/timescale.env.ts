import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { Constructor } from '#libs/platform';

/** DATABASE_URL: a postgres:// URL of a PostgreSQL server with the TimescaleDB extension. */
export function withDatabaseEnv<Base extends Constructor>(base: Base) {
  class DatabaseEnv extends base {
    @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
    DATABASE_URL!: string;

    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(1)
    @Max(200)
    DATABASE_POOL_MAX: number = 10;

    /** 0 behind a pooler that cannot keep prepared statements per client (PgBouncer in transaction mode before 1.21). */
    @IsOptional()
    @Type(() => Number)
    @IsInt()
    @Min(0)
    @Max(1)
    DATABASE_PREPARED_STATEMENTS: number = 1;
  }
  return DatabaseEnv;
}

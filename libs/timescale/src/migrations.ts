import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { DatabaseService } from './database.service';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(
    readonly code: 'MISSING_TIMESCALEDB' | 'CHECKSUM_MISMATCH' | 'BAD_MIGRATION_NAME' | 'MIGRATION_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Same number for every process: they queue on it so two apps starting together migrate once. */
const MIGRATION_LOCK = 7_341_905_512;

/** libs/timescale/migrations, found from src (tests, tsx) and from dist (built apps) alike. */
export function migrationsDir(from = __dirname): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'libs', 'timescale', 'migrations');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`libs/timescale/migrations not found above ${from}`);
}

/** NNNN_snake_name.sql files, in version order. */
export function readMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new MigrationError('BAD_MIGRATION_NAME', `${file}: migration files are named NNNN_snake_case.sql`);
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return { version: Number(match[1]), name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies pending migrations, each in its own transaction with its bookkeeping row, under a
 * transaction-scoped advisory lock. An applied migration whose file changed is refused: migrations
 * are append-only, fix forward with a new file.
 */
export async function migrate(db: Pick<DatabaseService, 'query' | 'transaction'>, logger: Logger, migrations = readMigrations()): Promise<number[]> {
  await requireTimescale(db);
  // Under the lock too: two processes starting together on a real server would both try to create them
  // (IF NOT EXISTS is no guard against a concurrent CREATE: one fails on a unique index of the catalog).
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL statement_timeout = 0'); // a migration may rightly take long (the pool's bound is for requests)
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const { rows } = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE version = $1', [migration.version]);
      if (rows[0]) {
        if (rows[0].checksum !== migration.checksum) {
          throw new MigrationError(
            'CHECKSUM_MISMATCH',
            `migration ${migration.version}_${migration.name} changed after it was applied; add a new migration instead`,
          );
        }
        return false;
      }
      try {
        await tx.query(migration.sql);
      } catch (error) {
        throw new MigrationError('MIGRATION_FAILED', `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`);
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      return true;
    });
    if (ran) {
      applied.push(migration.version);
      logger.info({ context: 'migrations', version: migration.version, migration: migration.name }, 'applied migration');
    }
  }
  return applied;
}

/** The extension must be installable on this server; migrate() creates it. */
async function requireTimescale(db: Pick<DatabaseService, 'query'>): Promise<void> {
  const { rows } = await db.query<{ name: string }>("SELECT name FROM pg_available_extensions WHERE name = 'timescaledb'");
  if (!rows[0]) {
    throw new MigrationError(
      'MISSING_TIMESCALEDB',
      'DATABASE_URL points to a PostgreSQL without the TimescaleDB extension: install timescaledb on that server ' +
        '(https://docs.timescale.com/self-hosted/latest/install/) or unset DATABASE_URL and run `npm run stack:up` for the embedded one',
    );
  }
}

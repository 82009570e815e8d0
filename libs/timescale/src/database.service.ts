import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  logger: Logger;
  /** Apply pending migrations at start (apps that own tables do; read-only apps don't). */
  migrate?: boolean;
}

/** What a transaction body gets: queries on the transaction's one connection. */
export interface Queryable {
  query<Row extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/**
 * The TimescaleDB adapter: a pg pool, plain queries and transactions. Every statement is
 * parameterised; tenants are a column in every table and a parameter in every query.
 */
@Injectable()
export class DatabaseService implements Queryable, OnApplicationShutdown {
  readonly pool: Pool;

  constructor(@Inject(DATABASE_OPTIONS) options: DatabaseOptions) {
    this.pool = new Pool({ connectionString: options.url, max: options.poolMax, application_name: 'fieldline' });
    // An idle client losing its server (restart, failover) must not crash the process.
    this.pool.on('error', (error) => options.logger.warn({ context: 'database', err: error.message }, 'idle database connection lost'));
  }

  query<Row extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) {
    return this.pool.query<Row>(text, values);
  }

  /** Runs `body` in one transaction: committed if it resolves, rolled back if it throws. */
  async transaction<T>(body: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** A connection held by the caller (LISTEN, long-lived advisory locks); release it when done. */
  connect(): Promise<PoolClient> {
    return this.pool.connect();
  }

  async ping(): Promise<{ timescaledb: string }> {
    const { rows } = await this.pool.query<{ extversion: string }>(
      "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'",
    );
    if (!rows[0]) throw new Error('the timescaledb extension is not installed in this database');
    return { timescaledb: rows[0].extversion };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { asUnavailable, DatabaseUnavailableError, isConnectionError } from './database.errors';
import { createPool } from './host-failover.pool';
import { queryConfig, type Statement } from './statement';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

export interface DatabaseOptions {
  url: string;
  poolMax: number;
  logger: Logger;
  /** Apply pending migrations at start (apps that own tables do; read-only apps don't). */
  migrate?: boolean;
  /** How long a query may wait for a pooled connection (default 5 s). */
  connectionTimeoutMs?: number;
  /** The server cancels a statement running (or waiting for a lock) longer than this; off when unset. */
  statementTimeoutMs?: number;
  /** Named statements (`statement()`) are prepared per connection (default); false runs them unnamed. */
  preparedStatements?: boolean;
}

/** What a transaction body gets: queries on the transaction's one connection. */
export interface Queryable {
  query<Row extends QueryResultRow = QueryResultRow>(text: string | Statement, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** A held connection as a Queryable: plain text or named statements, like the pool. */
export function queryableOf(client: PoolClient, prepared = true): Queryable {
  return { query: <Row extends QueryResultRow>(text: string | Statement, values?: unknown[]) => client.query<Row>(queryConfig(text, values, prepared)) };
}

/**
 * The TimescaleDB adapter: a pg pool, plain queries and transactions. Every statement is
 * parameterised; tenants are a column in every table and a parameter in every query.
 */
@Injectable()
export class DatabaseService implements Queryable, OnApplicationShutdown {
  readonly pool: Pool;

  private readonly logger: Logger;
  private readonly prepared: boolean;
  /** Set while the app's migrations wait for a database that was away at start: nothing else may query yet. */
  private schemaPending?: string;

  constructor(@Inject(DATABASE_OPTIONS) options: DatabaseOptions) {
    // A bounded wait for a connection: with the pool exhausted or the server gone, a request fails
    // (retryable) instead of hanging.
    // A bounded statement too (request-serving apps): a statement stuck behind a lock gives its connection
    // back and the request a retryable error, rather than holding both until the lock goes.
    // A URL with several hosts (…@h1:p1,h2:p2/db?target_session_attrs=read-write) gives a pool that
    // connects to the writable one and moves on when it dies or turns read-only (host-failover.pool.ts).
    this.pool = createPool(options.url, {
      max: options.poolMax,
      application_name: 'fieldline',
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs, idle_in_transaction_session_timeout: 4 * options.statementTimeoutMs } : {}),
    }, (host, next, why) => options.logger.warn({ context: 'database', host: `${host.host}:${host.port}`, next: `${next.host}:${next.port}`, err: why.message }, 'database host passed over; new connections try the next one'));
    this.logger = options.logger;
    this.prepared = options.preparedStatements ?? true;
    // An idle client losing its server (restart, failover) must not crash the process.
    this.pool.on('error', (error) => options.logger.warn({ context: 'database', err: error.message }, 'idle database connection lost'));
  }

  async query<Row extends QueryResultRow = QueryResultRow>(text: string | Statement, values?: unknown[]) {
    this.refuseWhilePending();
    return this.unchecked.query<Row>(text, values);
  }

  /** Queries and transactions that bypass the pending-schema gate: for the migrations themselves. */
  readonly unchecked = {
    query: <Row extends QueryResultRow = QueryResultRow>(text: string | Statement, values?: unknown[]) => this.run<Row>(text, values),
    transaction: <T>(body: (tx: Queryable) => Promise<T>) => this.inTransaction(body),
  };

  /** Until `schemaReady`, every query answers DatabaseUnavailableError with `why` (and the app is not ready). */
  holdUntilSchemaReady(why: string): void {
    this.schemaPending = why;
  }

  schemaReady(): void {
    this.schemaPending = undefined;
  }

  private refuseWhilePending(): void {
    if (this.schemaPending) throw new DatabaseUnavailableError(new Error(this.schemaPending));
  }

  private async run<Row extends QueryResultRow = QueryResultRow>(text: string | Statement, values?: unknown[]) {
    try {
      return await this.pool.query<Row>(queryConfig(text, values, this.prepared));
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  /** Runs `body` in one transaction: committed if it resolves, rolled back if it throws. */
  async transaction<T>(body: (tx: Queryable) => Promise<T>): Promise<T> {
    this.refuseWhilePending();
    return this.inTransaction(body);
  }

  private async inTransaction<T>(body: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await body(queryableOf(client, this.prepared));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      // a COMMIT whose answer was lost may or may not have committed: retryable, and the command's
      // idempotency (expected versions, event ids) makes the retry safe
      throw asUnavailable(error);
    } finally {
      client.release(broken); // a broken connection is dropped, not handed to the next caller
    }
  }

  /**
   * A connection held by the caller (transactions, LISTEN, leases); release it when done. While it is
   * checked out, a lost server makes it emit 'error': without a listener that would end the process.
   */
  async connect(): Promise<PoolClient> {
    this.refuseWhilePending();
    return this.checkout();
  }

  private async checkout(): Promise<PoolClient> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asUnavailable(error);
    }
    if (client.listenerCount('error') === 0) {
      client.on('error', (error: Error) => this.logger.warn({ context: 'database', err: error.message }, 'database connection lost while in use'));
    }
    return client;
  }

  async ping(): Promise<{ timescaledb: string }> {
    if (this.schemaPending) throw new Error(this.schemaPending);
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

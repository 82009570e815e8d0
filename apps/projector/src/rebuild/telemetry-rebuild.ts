import type { Kafka } from 'kafkajs';
import { topics } from '#libs/events';
import { type DatabaseService, type Queryable, queryableOf } from '#libs/timescale';
import { TelemetryHistoryWriter } from '../telemetry/telemetry-history.writer';
import { LogReplay, type ReplayStats } from './log-replay';

const SUFFIX = '__rebuild';

export interface RebuildProgress extends ReplayStats {
  phase: 'building' | 'swapping' | 'done';
}

export interface TelemetryRebuildResult extends RebuildProgress {
  /** Rows the live tables had at the swap, and the rebuilt ones. */
  liveRows: { locations: number; readings: number };
  rebuiltRows: { locations: number; readings: number };
  seconds: number;
}

/**
 * Rebuilds the telemetry history (locations, readings and their aggregates) from the start of the
 * log into fresh tables while the live ones keep serving, then swaps them in atomically:
 * 1. build: read the topic up to its end offsets at the start;
 * 2. swap, in one transaction: lock the live tables (the live projector's writes wait), read on up
 *    to the end offsets as of the lock — the rebuilt tables now hold every event the live ones can
 *    hold — refuse if they have fewer rows, then rename them in and recreate the aggregates.
 */
export class TelemetryRebuild {
  private readonly writer = new TelemetryHistoryWriter(SUFFIX);
  private target: Queryable;
  private phase: RebuildProgress['phase'] = 'building';

  constructor(
    private readonly db: DatabaseService,
    private readonly kafka: Kafka,
    private readonly onProgress: (progress: RebuildProgress) => void = () => undefined,
  ) {
    this.target = db;
  }

  async run(): Promise<TelemetryRebuildResult> {
    const started = Date.now();
    // Leftovers of a failed earlier run; one statement each (TimescaleDB drops one hypertable at a time).
    for (const table of ['locations', 'readings']) await this.db.query(`DROP TABLE IF EXISTS ${table}${SUFFIX}`);
    await this.db.query('SELECT fieldline_create_tracking_tables($1)', [SUFFIX]);
    const replay = new LogReplay(this.kafka, topics.telemetry.name, async (events) => void (await this.writer.write(this.target, events)), (stats) =>
      this.onProgress({ ...stats, phase: this.phase }),
    );
    try {
      await replay.start();
      await replay.until(await replay.endOffsets());
      return await this.swap(replay, started);
    } finally {
      await replay.stop();
    }
  }

  private async swap(replay: LogReplay, started: number): Promise<TelemetryRebuildResult> {
    await replay.pause();
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE locations, readings IN ACCESS EXCLUSIVE MODE');
      this.phase = 'swapping';
      this.target = queryableOf(client); // the embedded database has one session: catch up inside this transaction
      const end = await replay.endOffsets();
      replay.resume();
      await replay.until(end);
      await replay.pause();
      const count = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]!.n);
      const liveRows = { locations: await count('locations'), readings: await count('readings') };
      const rebuiltRows = { locations: await count(`locations${SUFFIX}`), readings: await count(`readings${SUFFIX}`) };
      if (rebuiltRows.locations < liveRows.locations || rebuiltRows.readings < liveRows.readings) {
        throw new Error(`rebuilt tables hold fewer rows than the live ones (${JSON.stringify({ liveRows, rebuiltRows })}); nothing was swapped`);
      }
      await client.query('DROP MATERIALIZED VIEW locations_1m');
      await client.query('DROP MATERIALIZED VIEW locations_1h');
      await client.query('SELECT fieldline_swap_tracking_tables($1)', [SUFFIX]);
      await client.query('COMMIT');
      this.phase = 'done';
      const progress = { ...replay.stats, phase: this.phase };
      this.onProgress(progress);
      return { ...progress, liveRows, rebuiltRows, seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

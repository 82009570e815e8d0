import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { type FieldlineEvent, parseEvent, topics } from '#libs/events';
import type { DatabaseService, Queryable } from '#libs/timescale';
import { TelemetryHistoryWriter } from '../telemetry/telemetry-history.writer';

const SUFFIX = '__rebuild';

export interface RebuildProgress {
  phase: 'building' | 'swapping' | 'done';
  events: number;
  unreadable: number;
  /** Records consumed of those in the topic when the phase began. */
  consumed: number;
  target: number;
}

export interface RebuildResult extends RebuildProgress {
  /** Rows the live tables had at the swap, and the rebuilt ones. */
  liveRows: { locations: number; readings: number };
  rebuiltRows: { locations: number; readings: number };
  seconds: number;
}

type Offsets = Map<number, bigint>;

/**
 * Rebuilds the telemetry history (locations, readings and their aggregates) from the start of the
 * log into fresh tables while the live ones keep serving, then swaps them in atomically:
 * 1. build: a throwaway consumer group reads the topic up to its end offsets at the start;
 * 2. swap, in one transaction: lock the live tables (the live projector's writes wait), read on up
 *    to the end offsets as of the lock — the rebuilt tables now hold every event the live ones can
 *    hold — refuse if they have fewer rows, then rename them in and recreate the aggregates.
 */
export class TelemetryRebuild {
  private readonly writer = new TelemetryHistoryWriter(SUFFIX);
  private target: Queryable;
  private readonly positions: Offsets = new Map();
  private readonly stats: RebuildProgress = { phase: 'building', events: 0, unreadable: 0, consumed: 0, target: 0 };
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DatabaseService,
    private readonly kafka: Kafka,
    private readonly onProgress: (progress: RebuildProgress) => void = () => undefined,
  ) {
    this.target = db;
  }

  async run(): Promise<RebuildResult> {
    const started = Date.now();
    // Leftovers of a failed earlier run; one statement each (TimescaleDB drops one hypertable at a time).
    for (const table of ['locations', 'readings']) await this.db.query(`DROP TABLE IF EXISTS ${table}${SUFFIX}`);
    await this.db.query('SELECT fieldline_create_tracking_tables($1)', [SUFFIX]);
    const admin = this.kafka.admin();
    await admin.connect();
    const groupId = `fieldline-rebuild-telemetry-${Date.now()}`;
    const consumer = this.kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: topics.telemetry.name, fromBeginning: true });
      await consumer.run({ eachBatchAutoResolve: false, eachBatch: (payload) => this.track(this.handle(payload)) });
      await this.consumeUntil(await this.endOffsets(admin));
      return await this.swap(admin, consumer, started);
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  }

  private async swap(admin: Admin, consumer: Consumer, started: number): Promise<RebuildResult> {
    consumer.pause([{ topic: topics.telemetry.name }]);
    await this.inFlight;
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('LOCK TABLE locations, readings IN ACCESS EXCLUSIVE MODE');
      this.stats.phase = 'swapping';
      this.target = client; // the embedded database has one session: catch up inside this transaction
      const end = await this.endOffsets(admin);
      consumer.resume([{ topic: topics.telemetry.name }]);
      await this.consumeUntil(end);
      consumer.pause([{ topic: topics.telemetry.name }]);
      await this.inFlight;
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
      this.stats.phase = 'done';
      this.onProgress(this.stats);
      return { ...this.stats, liveRows, rebuiltRows, seconds: (Date.now() - started) / 1000 };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private track(batch: Promise<void>): Promise<void> {
    this.inFlight = batch.catch(() => undefined);
    return batch;
  }

  private async handle({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const events: FieldlineEvent[] = [];
    for (const message of batch.messages) {
      const parsed = message.value ? parseEvent(message.value) : undefined;
      if (parsed?.ok) events.push(parsed.event);
      else this.stats.unreadable++; // the live projection dead-lettered these already
    }
    await this.writer.write(this.target, events);
    const last = batch.messages.at(-1);
    if (last) {
      resolveOffset(last.offset);
      this.positions.set(batch.partition, BigInt(last.offset) + 1n);
    }
    this.stats.events += events.length;
    this.stats.consumed += batch.messages.length;
    this.onProgress(this.stats);
    await heartbeat();
  }

  private async endOffsets(admin: Admin): Promise<Offsets> {
    const offsets = await admin.fetchTopicOffsets(topics.telemetry.name);
    // A partition starts where retention left it (low); an empty one is reached from the start.
    for (const o of offsets) if (!this.positions.has(o.partition)) this.positions.set(o.partition, BigInt(o.low));
    const end: Offsets = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const remaining = [...end].reduce((sum, [p, high]) => sum + Number(high - this.positions.get(p)!), 0);
    this.stats.target = this.stats.consumed + remaining;
    return end;
  }

  private async consumeUntil(end: Offsets): Promise<void> {
    const reached = () => [...end].every(([partition, high]) => this.positions.get(partition)! >= high);
    while (!reached()) await new Promise((r) => setTimeout(r, 50));
  }
}

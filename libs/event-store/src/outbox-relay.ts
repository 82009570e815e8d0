import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaService } from '#libs/kafka';
import { DatabaseService, statement } from '#libs/timescale';

export const OUTBOX_OPTIONS = Symbol('OUTBOX_OPTIONS');

export interface OutboxOptions {
  logger: Logger;
  /** Idle polling interval; an append in this process wakes the relay at once. */
  pollMs: number;
  batchSize: number;
  enabled: boolean;
}

interface OutboxRow {
  global_position: string;
  topic: string;
  key: string;
  payload: { id: string; type: string; tenantId: string };
}

// The key of the transaction-scoped advisory lock that makes one relay the publisher of a batch.
const OUTBOX_LOCK = 7_341_905_513;
// The lock (tried once) and the oldest rows, deleted in the transaction that publishes them: one round trip.
const TAKE_BATCH = statement(`WITH lock AS (SELECT pg_try_advisory_xact_lock($1) AS held),
  taken AS (
    DELETE FROM outbox WHERE global_position IN (
      SELECT global_position FROM outbox WHERE (SELECT held FROM lock) ORDER BY global_position LIMIT $2)
    RETURNING global_position, topic, key, payload)
  SELECT * FROM taken ORDER BY global_position`);

/**
 * Publishes committed outbox rows to Kafka in global (hence per-stream) order and deletes them.
 * One relay publishes at a time across all API instances: each batch is taken (deleted), published and
 * committed in one transaction holding an advisory lock, which the server releases with the transaction
 * or with a crashed holder's session (no lease to time out, no second publisher while a slow send runs).
 * Two relays interleaving could publish a stream's events out of order. A crash between publish and
 * commit leaves the rows queued and re-publishes them (at-least-once); consumers drop duplicates by
 * event id. (On the embedded engine a transaction holds its one session, which excludes the other
 * relays the same way.)
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private published = 0;

  constructor(
    private readonly db: DatabaseService,
    private readonly kafka: KafkaService,
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.enabled) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Called after a commit: publish now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  /** Events published by this instance since start (for tests and metrics). */
  get publishedCount(): number {
    return this.published;
  }

  /** One pass: publish one batch if no other relay is publishing. Returns how many rows were published. */
  async publishBatch(): Promise<number> {
    const published = await this.db.transaction(async (tx) => {
      // none when another relay is at it (its batch ends with its transaction) or nothing is queued
      const { rows } = await tx.query<OutboxRow>(TAKE_BATCH, [OUTBOX_LOCK, this.options.batchSize]);
      if (rows.length === 0) return 0;
      await this.kafka.send(
        rows.map((row) => ({
          topic: row.topic,
          key: row.key,
          value: JSON.stringify(row.payload),
          headers: { 'event-id': row.payload.id, 'event-type': row.payload.type, 'tenant-id': row.payload.tenantId },
        })),
      );
      return rows.length;
    });
    this.published += published;
    return published;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let published = 0;
      try {
        published = await this.publishBatch();
        failures = 0;
      } catch (error) {
        failures++;
        // Kafka or the database is away: nothing is lost (rows stay unsent); back off and retry.
        if (failures === 1 || failures % 20 === 0) {
          this.options.logger.warn({ context: 'outbox', err: (error as Error).message, failures }, 'outbox relay failed; retrying');
        }
      }
      if (published < this.options.batchSize) await this.sleep(failures > 0 ? Math.min(5000, 200 * 2 ** failures) : this.options.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

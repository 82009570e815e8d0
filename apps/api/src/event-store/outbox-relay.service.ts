import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { KafkaService } from '#libs/kafka';
import { DatabaseService } from '#libs/timescale';

export const OUTBOX_OPTIONS = Symbol('OUTBOX_OPTIONS');

export interface OutboxOptions {
  logger: Logger;
  /** Idle polling interval; an append in this process wakes the relay at once. */
  pollMs: number;
  batchSize: number;
  /** How long a relay's lease lasts without renewal before another instance may take over. */
  leaseMs: number;
  enabled: boolean;
}

interface OutboxRow {
  global_position: string;
  topic: string;
  key: string;
  payload: { id: string; type: string; tenantId: string };
}

/**
 * Publishes committed outbox rows to Kafka in global (hence per-stream) order and marks them sent.
 * One relay publishes at a time across all API instances, by a lease row: two relays interleaving
 * could publish a stream's events out of order. A crash between publish and mark re-publishes the
 * batch (at-least-once); consumers drop duplicates by event id.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly holder = `relay-${randomUUID()}`;
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
    await this.db.query('DELETE FROM outbox_lease WHERE name = $1 AND holder = $2', ['outbox', this.holder]).catch(() => undefined);
  }

  /** Called after a commit: publish now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  /** Events published by this instance since start (for tests and metrics). */
  get publishedCount(): number {
    return this.published;
  }

  /** One pass: take or renew the lease, publish one batch. Returns how many rows were published. */
  async publishBatch(): Promise<number> {
    if (!(await this.holdLease())) return 0;
    const { rows } = await this.db.query<OutboxRow>(
      'SELECT global_position, topic, key, payload FROM outbox WHERE sent_at IS NULL ORDER BY global_position LIMIT $1',
      [this.options.batchSize],
    );
    if (rows.length === 0) return 0;
    await this.kafka.send(
      rows.map((row) => ({
        topic: row.topic,
        key: row.key,
        value: JSON.stringify(row.payload),
        headers: { 'event-id': row.payload.id, 'event-type': row.payload.type, 'tenant-id': row.payload.tenantId },
      })),
    );
    await this.db.query('UPDATE outbox SET sent_at = now() WHERE global_position = ANY($1::bigint[])', [rows.map((r) => r.global_position)]);
    this.published += rows.length;
    return rows.length;
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

  private async holdLease(): Promise<boolean> {
    const { rows } = await this.db.query<{ holder: string }>(
      `INSERT INTO outbox_lease (name, holder, expires_at) VALUES ('outbox', $1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE outbox_lease.holder = EXCLUDED.holder OR outbox_lease.expires_at < now()
       RETURNING holder`,
      [this.holder, this.options.leaseMs],
    );
    return rows[0]?.holder === this.holder;
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

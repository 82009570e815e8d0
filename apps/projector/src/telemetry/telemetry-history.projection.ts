import { Injectable } from '@nestjs/common';
import { type FieldlineEvent, topics } from '#libs/events';
import { DatabaseService } from '#libs/timescale';
import type { Projection } from '../runner/projection.runner';
import { TelemetryHistoryWriter } from './telemetry-history.writer';

/**
 * Telemetry → history (locations, readings hypertables; see TelemetryHistoryWriter). Its own consumer
 * group, apart from live positions: it asks Kafka for large batches (one INSERT per table per batch
 * costs the database about as much for 20 rows as for 2,000), and a slow or down database delays
 * history, never the map.
 */
@Injectable()
export class TelemetryHistoryProjection implements Projection {
  readonly name = 'history';
  readonly topics = [topics.telemetry.name];
  // Two batches overlap: one is written while the next is decoded and prepared.
  readonly concurrency = 2;
  readonly fetch = { minBytes: 512 * 1024, maxWaitTimeInMs: 250 };
  private readonly writer = new TelemetryHistoryWriter();

  constructor(private readonly db: DatabaseService) {}

  onRebalance(): void {
    this.writer.forget();
  }

  async apply(events: FieldlineEvent[]): Promise<void> {
    await this.writer.write(this.db, events);
  }
}

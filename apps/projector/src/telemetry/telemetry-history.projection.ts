import { Injectable } from '@nestjs/common';
import { type FieldlineEvent, topics } from '#libs/events';
import { DatabaseService } from '#libs/timescale';
import type { KafkaBatchContext, KafkaEventsExtras } from '#libs/kafka';
import type { Projection } from '../projection';
import { TelemetryHistoryWriter } from './telemetry-history.writer';

/**
 * Telemetry → history (locations, readings hypertables; see TelemetryHistoryWriter). Its own consumer
 * group, apart from live positions: it asks Kafka for large batches (one INSERT per table per batch
 * costs the database about as much for 20 rows as for 2,000), and a slow or down database delays
 * history, never the map.
 */
export const HISTORY_CONSUMER: KafkaEventsExtras = {
  topics: [topics.telemetry.name],
  // Two batches overlap: one is written while the next is decoded and prepared.
  concurrency: 2,
  fetch: { minBytes: 512 * 1024, maxWaitTimeInMs: 250 },
};

@Injectable()
export class TelemetryHistoryProjection implements Projection {
  private readonly writer = new TelemetryHistoryWriter();
  private generation = 0;

  constructor(private readonly db: DatabaseService) {}

  async apply(events: FieldlineEvent[], context?: KafkaBatchContext): Promise<void> {
    // partitions moved (a rebalance): what the writer remembered of the ones it had is stale
    if (context && context.generation !== this.generation) {
      this.generation = context.generation;
      this.writer.forget();
    }
    await this.writer.write(this.db, events);
  }
}

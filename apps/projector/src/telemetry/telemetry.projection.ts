import { Injectable } from '@nestjs/common';
import { type EventOf, type FieldlineEvent, topics } from '#libs/events';
import { type LivePosition, LiveStateStore } from '#libs/live';
import { DatabaseService } from '#libs/timescale';
import type { Projection } from '../runner/projection-runner';
import { TelemetryHistoryWriter } from './telemetry-history.writer';

type Location = EventOf<'telemetry.location_reported'>;

/**
 * Telemetry → history (locations, readings hypertables; see TelemetryHistoryWriter) → live
 * positions and the feed in Redis (only a newer fix moves a subject).
 */
@Injectable()
export class TelemetryProjection implements Projection {
  readonly name = 'telemetry';
  readonly topics = [topics.telemetry.name];
  readonly concurrency = 3;
  private readonly history = new TelemetryHistoryWriter();

  constructor(
    private readonly db: DatabaseService,
    private readonly live: LiveStateStore,
  ) {}

  onRebalance(): void {
    this.history.forget();
  }

  async apply(events: FieldlineEvent[]): Promise<void> {
    // History and live state are written side by side (screens do not wait for the database); both
    // are idempotent and the offsets are committed after both, so a crash anywhere replays the batch:
    // rows are skipped as duplicates, the live state (guarded by fix time) applies what it missed.
    // Live state and the feed get the newest fix per subject of the batch (latest wins, as screens
    // coalesce anyway): live batches are small, so nearly every fix shows; a catch-up after downtime
    // does not flood screens with history.
    const newest = new Map<string, Location>();
    for (const e of events) {
      if (e.type !== 'telemetry.location_reported') continue;
      const key = `${e.tenantId}|${e.data.subjectId}`;
      const held = newest.get(key);
      if (!held || e.occurredAt >= held.occurredAt) newest.set(key, e);
    }
    await Promise.all([this.history.write(this.db, events), ...[...newest.values()].map((e) => this.applyLive(e))]);
  }

  private applyLive(e: Location): Promise<string | null> {
    const d = e.data;
    const position: LivePosition = {
      subjectId: d.subjectId,
      deviceId: d.deviceId,
      lat: d.lat,
      lon: d.lon,
      at: Date.parse(e.occurredAt),
      source: d.source,
      ...(d.speedMps === undefined ? {} : { speedMps: d.speedMps }),
      ...(d.headingDeg === undefined ? {} : { headingDeg: d.headingDeg }),
      ...(d.accuracyM === undefined ? {} : { accuracyM: d.accuracyM }),
      ...(d.batteryPct === undefined ? {} : { batteryPct: d.batteryPct }),
    };
    return this.live.applyFix(e.tenantId, position, { kind: 'location', type: e.type, subjectId: d.subjectId, data: position });
  }
}

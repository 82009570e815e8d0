import { Injectable } from '@nestjs/common';
import { LiveStateStore, type NewFeedEntry } from '#libs/live';
import { type SignalDoc, type TrackingDoc, TrackingStateStore } from './tracking-state.store';

/** The live state's `tracking` and `alerts` hashes, written through its guarded scripts. */
@Injectable()
export class RedisTrackingStateStore extends TrackingStateStore {
  constructor(private readonly live: LiveStateStore) {
    super();
  }

  trackingDocs(tenantId: string, subjectIds: string[]): Promise<Map<string, TrackingDoc>> {
    return this.live.getDocs<TrackingDoc>(tenantId, 'tracking', subjectIds);
  }

  signalDocs(tenantId: string, subjectIds: string[]): Promise<Map<string, SignalDoc>> {
    return this.live.getDocs<SignalDoc>(tenantId, 'alerts', subjectIds);
  }

  async saveTracking(tenantId: string, subjectId: string, doc: TrackingDoc, alerts: NewFeedEntry[]): Promise<boolean> {
    return (await this.live.applyVersioned(tenantId, 'tracking', subjectId, doc, alerts)) !== null;
  }

  async saveSignal(tenantId: string, subjectId: string, doc: SignalDoc, alert?: NewFeedEntry): Promise<boolean> {
    return (await this.live.applyVersioned(tenantId, 'alerts', subjectId, doc, alert ?? [])) !== null;
  }
}

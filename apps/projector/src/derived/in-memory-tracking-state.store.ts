import type { NewFeedEntry } from '#libs/live';
import { type SignalDoc, type TrackingDoc, TrackingStateStore } from './tracking-state.store';

/** The twin for unit tests: the same newer-version guard, documents copied in and out as Redis would. */
export class InMemoryTrackingStateStore extends TrackingStateStore {
  readonly tracking = new Map<string, TrackingDoc>();
  readonly signals = new Map<string, SignalDoc>();
  /** Every feed entry written, in order, with its tenant. */
  readonly feed: (NewFeedEntry & { tenantId: string })[] = [];

  async trackingDocs(tenantId: string, subjectIds: string[]): Promise<Map<string, TrackingDoc>> {
    return read(this.tracking, tenantId, subjectIds);
  }

  async signalDocs(tenantId: string, subjectIds: string[]): Promise<Map<string, SignalDoc>> {
    return read(this.signals, tenantId, subjectIds);
  }

  async saveTracking(tenantId: string, subjectId: string, doc: TrackingDoc, alerts: NewFeedEntry[]): Promise<boolean> {
    return this.save(this.tracking, tenantId, subjectId, doc, alerts);
  }

  async saveSignal(tenantId: string, subjectId: string, doc: SignalDoc, alert?: NewFeedEntry): Promise<boolean> {
    return this.save(this.signals, tenantId, subjectId, doc, alert ? [alert] : []);
  }

  private save<T extends { version: number }>(docs: Map<string, T>, tenantId: string, subjectId: string, doc: T, entries: NewFeedEntry[]): boolean {
    const key = `${tenantId}|${subjectId}`;
    const held = docs.get(key);
    if (held && held.version >= doc.version) return false;
    docs.set(key, structuredClone(doc));
    this.feed.push(...entries.map((entry) => ({ ...structuredClone(entry), tenantId })));
    return true;
  }
}

function read<T>(docs: Map<string, T>, tenantId: string, subjectIds: string[]): Map<string, T> {
  const found = new Map<string, T>();
  for (const id of subjectIds) {
    const doc = docs.get(`${tenantId}|${id}`);
    if (doc) found.set(id, structuredClone(doc));
  }
  return found;
}

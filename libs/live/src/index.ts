export { type FeedEntry, feedFields, type FeedKind, type NewFeedEntry, parseFeedEntry } from './feed-entry';
export { FeedTail } from './feed-tail';
export { etaConfig, withLiveEnv } from './live.env';
export { type LiveKeys, liveKeys } from './live-keys';
export { LiveModule } from './live.module';
export {
  compareFeedIds,
  type DocHash,
  LIVE_OPTIONS,
  type LiveOptions,
  type LivePosition,
  LiveStateStore,
  type VersionedDoc,
} from './live-state.store';

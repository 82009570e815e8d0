export { etaConfig, withLiveEnv } from './live.env';
export { type LiveKeys, liveKeys } from './live-keys';
export { LiveModule } from './live.module';
export {
  compareFeedIds,
  type DocHash,
  type FeedEntry,
  type FeedKind,
  feedFields,
  LIVE_OPTIONS,
  type LiveOptions,
  type LivePosition,
  LiveStateStore,
  type NewFeedEntry,
  parseFeedEntry,
  type VersionedDoc,
} from './live-state.store';

export { type ClientFrames, CloseCodes, compareFeedIds, type LivePosition, type FeedFrame, type PresenceFrame, type ServerFrames, STREAMS, type StreamName, type Viewport } from './protocol';
export { type ConnectionState, RealtimeClient, type RealtimeClientOptions, type SocketLike } from './realtime-client';

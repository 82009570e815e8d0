export {
  type AlertPayload,
  type BoardJob,
  type BoardTechnician,
  type CallPayload,
  type ChatMessagePayload,
  type ChatPayload,
  type ChatReceiptPayload,
  type DevicePresence,
  type FeedEvent,
  type FeedFrame,
  type FeedFrameOf,
  type FeedKind,
  type FeedPayloads,
  type JobPayload,
  type LivePosition,
  type TechnicianPayload,
} from './feed-payloads';
export { type ClientFrames, CloseCodes, compareFeedIds, type PresenceFrame, type ServerFrames, STREAMS, type StreamName, type Viewport } from './protocol';
export { type ConnectionState, RealtimeClient, type RealtimeClientOptions, type SocketLike } from './realtime-client';

// The realtime wire protocol, shared by apps/realtime and every client. Frames are JSON text
// `{ "event": <name>, "data": <payload> }` (the shape of NestJS's ws adapter) both ways.
// The payloads of feed entries are in feed-payloads.ts.

import type { FeedFrame, LivePosition } from './feed-payloads';

export const STREAMS = ['jobs', 'technicians', 'locations', 'presence', 'alerts', 'chat', 'calls'] as const;
export type StreamName = (typeof STREAMS)[number];

export interface Viewport {
  west: number;
  south: number;
  east: number;
  north: number;
}

/** What a client sends. */
export interface ClientFrames {
  subscribe: { streams: StreamName[]; after?: string; viewport?: Viewport };
  viewport: { viewport: Viewport | null };
  auth: { token: string };
  presence: { state: 'active' | 'idle' };
  'chat.send': { jobId: string; text: string; clientMessageId: string };
  'chat.typing': { jobId: string };
  'chat.delivered': { jobId: string; messageId: string };
  'chat.read': { jobId: string; messageId: string };
}

export interface PresenceFrame {
  userId: string;
  state: 'online' | 'idle' | 'offline';
  lastSeenAt?: string;
  technicianId?: string;
  /** For a technician: their phone is connected over MQTT (which keeps them online without a socket). */
  device?: boolean;
}

/** What the server sends. */
export interface ServerFrames {
  /** Subscribed; entries after `feedId` follow (after the missed ones when resuming). */
  subscribed: { feedId: string; resumed: boolean };
  feed: FeedFrame;
  /** The resume point is older than the retained feed: load snapshots (REST /board/*) and subscribe after their feedId. */
  reload: { reason: 'gap' };
  /** Current positions inside a new viewport. */
  positions: { items: LivePosition[] };
  presence: PresenceFrame;
  /** The tenant's user presence when `presence` is subscribed. */
  'presence.snapshot': { items: PresenceFrame[] };
  typing: { jobId: string; userId: string; role: string };
  authenticated: { expiresAt: string };
  'chat.sent': { clientMessageId: string; messageId: string };
  error: { code: string; message: string; ref?: string };
}

/** WebSocket close codes (4000–4999 are the application's). */
export const CloseCodes = {
  /** Token missing, invalid or expired without refresh: log in again (or refresh) and reconnect. */
  unauthorized: 4001,
  /** The client read too slowly; reconnect and resume after the id in the reason. */
  slowConsumer: 4008,
  /** This node sheds load; reconnect after a backoff (Retry-After on the refused upgrade). */
  overloaded: 4029,
  /** The server is shutting down; reconnect (to another node) and resume. */
  goingAway: 1001,
} as const;

/** Orders stream ids (`<ms>-<seq>`); both parts are below 2^53 for any real clock, so numbers suffice. */
export function compareFeedIds(a: string, b: string): number {
  const i = a.indexOf('-');
  const j = b.indexOf('-');
  const byMs = Number(a.slice(0, i)) - Number(b.slice(0, j));
  return byMs !== 0 ? Math.sign(byMs) : Math.sign(Number(a.slice(i + 1)) - Number(b.slice(j + 1)));
}

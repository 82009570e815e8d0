// What each kind of tenant feed entry carries in `data`: the projector writes these, realtime and
// the API pass them through untouched, screens read them. The one definition of the feed's payloads.

/** The last fix of a subject, as the projector keeps it in Redis and screens receive it. */
export interface LivePosition {
  subjectId: string;
  deviceId: string;
  lat: number;
  lon: number;
  /** Device time of the fix, epoch ms (the guard against late fixes compares it). */
  at: number;
  speedMps?: number;
  headingDeg?: number;
  accuracyM?: number;
  batteryPct?: number;
  source: string;
}

/**
 * A job on the live board as screens get it, in feed entries and board snapshots. The projector
 * keeps the domain state beside it in Redis; that never goes on the wire.
 */
export interface BoardJob {
  jobId: string;
  version: number;
  status: string;
  /** While on hold, the status it returns to. */
  onHoldFrom?: string;
  title: string;
  priority: string;
  requiredSkills: string[];
  window?: { start: string; end: string };
  siteId?: string;
  customerId?: string;
  location?: { lat: number; lon: number };
  technicianId?: string;
  createdAt: string;
  updatedAt: string;
}

/** A technician's status on the live board (like BoardJob: without the domain state). */
export interface BoardTechnician {
  technicianId: string;
  version: number;
  name: string;
  status: string;
  skills: string[];
  available: boolean;
  updatedAt: string;
}

/** A device's MQTT session as the projector keeps it (a technician's phone counts in their presence). */
export interface DevicePresence {
  deviceId: string;
  /** Device time of the event (epoch ms): the version, so a replay or a late event never overrides a newer one. */
  version: number;
  state: 'online' | 'stale' | 'offline';
  technicianId?: string;
  reason?: string;
  at: string;
}

/** The event a feed entry was made from, as far as a screen needs it. */
export interface FeedEvent {
  id: string;
  type: string;
  occurredAt: string;
  actor: { kind: string; id: string };
  data: unknown;
}

/** Entries that are one event's data: its id and time, then the event's own fields. */
interface FromEvent {
  id: string;
  occurredAt: string;
}

export interface JobPayload {
  event: FeedEvent;
  job: BoardJob;
  /** When the job left a technician: they still get this entry (it takes the job off their screen). */
  formerTechnicianId?: string;
}

export interface TechnicianPayload {
  event: FeedEvent;
  technician: BoardTechnician;
}

/** A tracking event worth an operator's attention (geofence, arrival, signal, ETA): its fields vary by type. */
export interface AlertPayload extends FromEvent {
  [field: string]: unknown;
}

/** `chat.message_posted`. */
export interface ChatMessagePayload extends FromEvent {
  jobId: string;
  messageId: string;
  authorId: string;
  authorRole: string;
  text: string;
}

/** `chat.message_delivered` / `chat.message_read`: up to and including `messageId`. */
export interface ChatReceiptPayload extends FromEvent {
  jobId: string;
  messageId: string;
  userId: string;
}

export type ChatPayload = ChatMessagePayload | ChatReceiptPayload;

/** A call event (`call.*`); which fields are present depends on its type. */
export interface CallPayload extends FromEvent {
  callId: string;
  /** The job the call is about, also on the events that come after the invitation. */
  jobId?: string;
  /** call.created */
  createdBy?: string;
  mode?: 'audio' | 'video';
  ptt?: boolean;
  /** call.invited */
  technicianIds?: string[];
  /** call.joined, call.declined, call.missed */
  technicianId?: string;
  /** call.joined, call.left, call.declined */
  userId?: string;
  /** call.left, call.ended */
  reason?: string;
  durationMs?: number;
  [field: string]: unknown;
}

/** The payload of each feed kind. */
export interface FeedPayloads {
  location: LivePosition;
  job: JobPayload;
  technician: TechnicianPayload;
  /** A device's presence (users' presence comes as `presence` frames, not feed entries). */
  presence: DevicePresence;
  alert: AlertPayload;
  chat: ChatPayload;
  call: CallPayload;
}

export type FeedKind = keyof FeedPayloads;

/** One entry of the tenant feed of kind `K`, as the projector wrote it; `id` is the resume point. */
export interface FeedFrameOf<K extends FeedKind> {
  id: string;
  kind: K;
  /** The event type (`job.assigned`, `telemetry.location_reported`, `tracking.geofence_entered` …). */
  type: string;
  /** Whose entry it is (job, technician, device id); realtime routes and filters by it. */
  subjectId: string;
  /** The technician it concerns, when there is one: a technician's socket only gets theirs. */
  technicianId?: string;
  /** W3C trace context of the event behind it (a fix's MQTT publish): the delivery joins that trace. */
  traceparent?: string;
  data: FeedPayloads[K];
}

/** One entry of the tenant feed: narrow on `kind` to read its `data`. */
export type FeedFrame = { [K in FeedKind]: FeedFrameOf<K> }[FeedKind];

// What a screen knows, folded from board snapshots and feed entries. Pure (no DOM, no I/O): the
// same entry applied twice, or an older one after a newer, changes nothing — snapshots and the
// resumed feed overlap by design.
import type {
  BoardJob,
  BoardTechnician,
  CallPayload,
  ChatMessagePayload,
  ChatPayload,
  ChatReceiptPayload,
  DevicePresence,
  FeedFrame,
  LivePosition,
  PresenceFrame,
} from '#libs/realtime-client';

export type { DevicePresence };

/** A job as the board shows it (the wire shape, shared with the projector). */
export type JobView = BoardJob;

/** A technician as the board shows them (the wire shape, shared with the projector). */
export type TechnicianView = BoardTechnician;

/** The last fix of a subject (the wire shape, shared with the projector). */
export type Position = LivePosition;

export interface TrailPoint {
  lat: number;
  lon: number;
  at: number;
}

export interface ChatMessage {
  messageId: string;
  jobId: string;
  authorId: string;
  authorRole: string;
  text: string;
  postedAt: string;
}

export interface ChatThread {
  messages: ChatMessage[];
  /** userId → the last message id they have on a device / have read. */
  delivered: Map<string, string>;
  read: Map<string, string>;
}

export interface AlertView {
  id: string;
  type: string;
  subjectId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface Change {
  feedId: string;
  kind: FeedFrame['kind'];
  type: string;
  subjectId: string;
}

export const JOB_COLUMNS = ['unassigned', 'assigned', 'en_route', 'on_site', 'on_hold', 'completed', 'cancelled'] as const;

/** How long a trail is kept behind each technician. */
export const TRAIL_MS = 10 * 60_000;
const MAX_ALERTS = 100;
const MAX_CHANGES = 200;

/** A call as the feed tells it: ringing until someone joins, live, then ended (with why and how long). */
export interface CallView {
  callId: string;
  status: 'ringing' | 'live' | 'ended';
  mode?: 'audio' | 'video';
  ptt?: boolean;
  jobId?: string;
  createdBy?: string;
  technicianIds: string[];
  /** technicianId → how they answered. */
  answers: Record<string, 'joined' | 'declined' | 'missed'>;
  startedAt: string;
  endedAt?: string;
  reason?: string;
  durationMs?: number;
  /** Feed entries already applied (each call event comes once per invited technician). */
  seen: string[];
}

export class LiveState {
  readonly calls = new Map<string, CallView>();
  readonly jobs = new Map<string, JobView>();
  readonly technicians = new Map<string, TechnicianView>();
  readonly positions = new Map<string, Position>();
  readonly trails = new Map<string, TrailPoint[]>();
  readonly presence = new Map<string, PresenceFrame>();
  readonly devices = new Map<string, DevicePresence>();
  readonly chats = new Map<string, ChatThread>();
  /** Newest first. */
  alerts: AlertView[] = [];
  /** The latest changes, newest first (the activity list and "what you missed"). */
  changes: Change[] = [];

  loadJobs(items: JobView[]): void {
    for (const job of items) this.putJob(job);
  }

  loadTechnicians(items: TechnicianView[]): void {
    for (const technician of items) this.putTechnician(technician);
  }

  loadPositions(items: Position[]): void {
    for (const position of items) this.putPosition(position);
  }

  loadDevices(items: DevicePresence[]): void {
    for (const device of items) this.putDevice(device);
  }

  /** A technician's presence: their user's (any tab or phone app socket) or, failing that, their phone's MQTT session. */
  technicianPresence(technicianId: string): { state: 'online' | 'idle' | 'offline'; lastSeenAt?: string; phone?: DevicePresence['state'] } {
    const user = [...this.presence.values()].find((p) => p.technicianId === technicianId);
    const phones = [...this.devices.values()].filter((d) => d.technicianId === technicianId);
    const phone = phones.find((d) => d.state === 'online') ?? phones.find((d) => d.state === 'stale') ?? phones[0];
    const state = user && user.state !== 'offline' ? user.state : phone?.state === 'online' ? 'online' : phone?.state === 'stale' ? 'idle' : 'offline';
    const lastSeenAt = user?.lastSeenAt ?? phone?.at;
    return { state, ...(lastSeenAt ? { lastSeenAt } : {}), ...(phone ? { phone: phone.state } : {}) };
  }

  loadPresence(items: PresenceFrame[]): void {
    this.presence.clear();
    for (const item of items) this.presence.set(item.userId, item);
  }

  loadChat(jobId: string, messages: ChatMessage[]): void {
    for (const message of messages) this.putMessage({ ...message, jobId });
  }

  /** Applies one feed entry; returns whether anything changed. */
  apply(entry: FeedFrame): boolean {
    const changed = this.applyEntry(entry);
    if (changed) {
      this.changes.unshift({ feedId: entry.id, kind: entry.kind, type: entry.type, subjectId: entry.subjectId });
      if (this.changes.length > MAX_CHANGES) this.changes.length = MAX_CHANGES;
    }
    return changed;
  }

  thread(jobId: string): ChatThread {
    let thread = this.chats.get(jobId);
    if (!thread) this.chats.set(jobId, (thread = { messages: [], delivered: new Map(), read: new Map() }));
    return thread;
  }

  /** The jobs of one board column, most urgent first. */
  column(status: string): JobView[] {
    const rank: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
    return [...this.jobs.values()]
      .filter((j) => j.status === status)
      .sort((a, b) => (rank[a.priority] ?? 9) - (rank[b.priority] ?? 9) || a.updatedAt.localeCompare(b.updatedAt));
  }

  private applyEntry(entry: FeedFrame): boolean {
    switch (entry.kind) {
      case 'job':
        return this.putJob(entry.data.job);
      case 'technician':
        return this.putTechnician(entry.data.technician);
      case 'location':
        return this.putPosition(entry.data);
      case 'chat':
        return this.applyChat(entry.type, entry.data);
      case 'alert': {
        const data = entry.data;
        if (this.alerts.some((a) => a.id === data.id)) return false;
        this.alerts.unshift({ id: String(data.id), type: entry.type, subjectId: entry.subjectId, occurredAt: String(data.occurredAt), data });
        if (this.alerts.length > MAX_ALERTS) this.alerts.length = MAX_ALERTS;
        return true;
      }
      case 'presence':
        return this.putDevice(entry.data);
      case 'call':
        return this.applyCall(entry.type, entry.data);
      default:
        return false;
    }
  }

  private putJob(job: JobView): boolean {
    return putNewer(this.jobs, job.jobId, job);
  }

  private putTechnician(technician: TechnicianView): boolean {
    return putNewer(this.technicians, technician.technicianId, technician);
  }

  private putDevice(device: DevicePresence): boolean {
    return putNewer(this.devices, device.deviceId, device);
  }

  private putPosition(position: Position): boolean {
    const held = this.positions.get(position.subjectId);
    if (held && held.at >= position.at) return false;
    this.positions.set(position.subjectId, position);
    const trail = this.trails.get(position.subjectId) ?? [];
    trail.push({ lat: position.lat, lon: position.lon, at: position.at });
    const from = trail.findIndex((p) => p.at >= position.at - TRAIL_MS);
    if (from > 0) trail.splice(0, from);
    this.trails.set(position.subjectId, trail);
    return true;
  }

  private applyChat(type: string, payload: ChatPayload): boolean {
    if (type === 'chat.message_posted') {
      const data = payload as ChatMessagePayload;
      return this.putMessage({ messageId: data.messageId, jobId: data.jobId, authorId: data.authorId, authorRole: data.authorRole, text: data.text, postedAt: data.occurredAt });
    }
    const data = payload as ChatReceiptPayload;
    const receipts = type === 'chat.message_delivered' ? this.thread(data.jobId).delivered : type === 'chat.message_read' ? this.thread(data.jobId).read : undefined;
    if (!receipts || receipts.get(data.userId) === data.messageId) return false;
    const thread = this.thread(data.jobId);
    const at = (id: string | undefined) => (id === undefined ? -1 : thread.messages.findIndex((m) => m.messageId === id));
    // receipts only move forward (a late delivered after a read does not take it back)
    if (at(data.messageId) !== -1 && at(receipts.get(data.userId)) > at(data.messageId)) return false;
    receipts.set(data.userId, data.messageId);
    return true;
  }

  /** Calls ringing for technician `technicianId` that they have not answered. */
  ringing(technicianId: string): CallView[] {
    return [...this.calls.values()].filter((c) => c.status !== 'ended' && c.technicianIds.includes(technicianId) && !c.answers[technicianId]);
  }

  private applyCall(type: string, data: CallPayload): boolean {
    const id = String(data.id);
    const call: CallView = this.calls.get(data.callId) ?? { callId: data.callId, status: 'ringing', technicianIds: [], answers: {}, startedAt: data.occurredAt, seen: [] };
    if (call.seen.includes(id)) return false;
    call.seen.push(id);
    if (data.jobId) call.jobId = data.jobId;
    switch (type) {
      case 'call.created':
        Object.assign(call, { mode: data.mode, ptt: data.ptt, createdBy: data.createdBy, startedAt: data.occurredAt });
        break;
      case 'call.invited':
        call.technicianIds = [...new Set([...call.technicianIds, ...data.technicianIds!])];
        break;
      case 'call.joined':
        if (call.status === 'ringing') call.status = 'live';
        if (data.technicianId) call.answers[data.technicianId] = 'joined';
        break;
      case 'call.declined':
      case 'call.missed':
        call.answers[data.technicianId!] = type === 'call.declined' ? 'declined' : 'missed';
        break;
      case 'call.ended':
        Object.assign(call, { status: 'ended', endedAt: data.occurredAt, reason: data.reason, durationMs: data.durationMs });
        break;
    }
    this.calls.set(call.callId, call);
    return true;
  }

  private putMessage(message: ChatMessage): boolean {
    const thread = this.thread(message.jobId);
    if (thread.messages.some((m) => m.messageId === message.messageId)) return false;
    thread.messages.push(message);
    thread.messages.sort((a, b) => a.postedAt.localeCompare(b.postedAt) || a.messageId.localeCompare(b.messageId));
    return true;
  }
}

/** Whether a message has been read (or only delivered) by someone other than its author. */
export function receiptOf(thread: ChatThread, message: ChatMessage): 'read' | 'delivered' | 'sent' {
  const index = thread.messages.indexOf(message);
  const reached = (receipts: Map<string, string>) =>
    [...receipts].some(([userId, id]) => userId !== message.authorId && thread.messages.findIndex((m) => m.messageId === id) >= index);
  return reached(thread.read) ? 'read' : reached(thread.delivered) ? 'delivered' : 'sent';
}

/** Keeps `doc` unless a version at least as new is held: replays and late snapshots change nothing. */
function putNewer<T extends { version: number }>(docs: Map<string, T>, key: string, doc: T): boolean {
  const held = docs.get(key);
  if (held && held.version >= doc.version) return false;
  docs.set(key, doc);
  return true;
}

import type { PresenceFrame } from '#libs/realtime-client';

/** A user's presence as it is stored and published between nodes. */
export interface PresenceDoc {
  userId: string;
  state: PresenceFrame['state'];
  /** For a technician: their phone is connected over MQTT. */
  device?: boolean;
  technicianId?: string;
  /** When offline: the last moment they were seen (epoch ms). */
  lastSeenMs?: number;
}

/** One live connection of a user, renewed by its node's heartbeat until `expiresAt` (epoch ms). */
export interface ConnectionRecord {
  node: string;
  expiresAt: number;
  /** When the user was last active on it (epoch ms; 0 when they reported idle). */
  activeAt: number;
}

export interface ConnectionRef {
  tenantId: string;
  userId: string;
  connectionId: string;
}

/**
 * Where presence lives between nodes: the connection records of every user, their current presence,
 * the deadline at which each user's presence may next change by itself, and the channel changes go
 * out on. `evaluate` is the one step that decides a user's presence: atomic, so several nodes
 * evaluating the same user at once report a change once.
 */
export abstract class PresenceStore {
  /** Follows the changes of every tenant, from every node (this one's too). */
  abstract subscribe(listener: (tenantId: string, doc: PresenceDoc) => void): Promise<void>;

  /** Puts (or renews) connection records, all in one step. */
  abstract putConnections(records: { ref: ConnectionRef; record: ConnectionRecord }[]): Promise<void>;

  abstract removeConnection(ref: ConnectionRef): Promise<void>;

  /**
   * Recomputes a user's presence at `nowMs` from their connection records (expired ones are dropped)
   * and their technician's connected devices: online (an active connection, or none but a device),
   * idle (connections, none active within `idleAfterMs`), offline. Stores, schedules the user's next
   * deadline and publishes only a change; returns it, or null when nothing changed.
   */
  abstract evaluate(tenantId: string, userId: string, technicianId: string | undefined, nowMs: number, idleAfterMs: number): Promise<PresenceDoc | null>;

  /** The tenant's users' presence as stored. */
  abstract presence(tenantId: string): Promise<PresenceDoc[]>;

  /** The stored presence of each of `userIds` (undefined where there is none), in their order. */
  abstract presenceOf(tenantId: string, userIds: string[]): Promise<(PresenceDoc | undefined)[]>;

  /** Remembers the user acting as a technician (their phone's presence counts for that user). */
  abstract linkTechnician(tenantId: string, technicianId: string, userId: string): Promise<void>;

  abstract userOfTechnician(tenantId: string, technicianId: string): Promise<string | undefined>;

  /** Notes that a tenant has connections somewhere, so the sweep visits it. */
  abstract addTenant(tenantId: string): Promise<void>;

  abstract removeTenant(tenantId: string): Promise<void>;

  /** The tenants the sweep visits. */
  abstract tenants(): Promise<string[]>;

  /** Whether any user of the tenant has a deadline (has connections). */
  abstract hasDeadlines(tenantId: string): Promise<boolean>;

  /** Users whose deadline is at or before `nowMs`, earliest first, at most `limit`. */
  abstract dueUsers(tenantId: string, nowMs: number, limit: number): Promise<string[]>;
}

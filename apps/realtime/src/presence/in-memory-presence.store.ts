import { type ConnectionRecord, type ConnectionRef, type PresenceDoc, PresenceStore } from './presence.store';

interface TenantPresence {
  users: Map<string, PresenceDoc>;
  connections: Map<string, Map<string, ConnectionRecord>>;
  deadlines: Map<string, number>;
  technicianUsers: Map<string, string>;
  devices: Map<string, Set<string>>;
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The Redis store's twin in memory, for unit tests: the same decisions as its Lua script (the same
 * order of checks, the same deadlines), changes told to subscribers at once. One process is one
 * "cluster": every service made with the same instance sees the same presence, like nodes sharing Redis.
 */
export class InMemoryPresenceStore extends PresenceStore {
  private readonly byTenant = new Map<string, TenantPresence>();
  private readonly sweepIndex = new Set<string>();
  private readonly listeners: ((tenantId: string, doc: PresenceDoc) => void)[] = [];

  /** What the projector does when a technician's phone connects or goes away (the live state's device set). */
  setDevice(tenantId: string, technicianId: string, deviceId: string, connected: boolean): void {
    const devices = this.tenant(tenantId).devices;
    const set = devices.get(technicianId) ?? new Set<string>();
    if (connected) set.add(deviceId);
    else set.delete(deviceId);
    devices.set(technicianId, set);
  }

  /** The connection records held for a user (expired ones stay until the user is next evaluated). */
  connectionsOf(tenantId: string, userId: string): Map<string, ConnectionRecord> {
    return copy(this.tenant(tenantId).connections.get(userId) ?? new Map<string, ConnectionRecord>());
  }

  /** When the user's presence may next change by itself (undefined: no connections). */
  deadlineOf(tenantId: string, userId: string): number | undefined {
    return this.tenant(tenantId).deadlines.get(userId);
  }

  async subscribe(listener: (tenantId: string, doc: PresenceDoc) => void): Promise<void> {
    this.listeners.push(listener);
  }

  async putConnections(records: { ref: ConnectionRef; record: ConnectionRecord }[]): Promise<void> {
    for (const { ref, record } of records) {
      const connections = this.tenant(ref.tenantId).connections;
      const held = connections.get(ref.userId) ?? new Map<string, ConnectionRecord>();
      held.set(ref.connectionId, copy(record));
      connections.set(ref.userId, held);
    }
  }

  async removeConnection(ref: ConnectionRef): Promise<void> {
    this.tenant(ref.tenantId).connections.get(ref.userId)?.delete(ref.connectionId);
  }

  async evaluate(tenantId: string, userId: string, technicianId: string | undefined, nowMs: number, idleAfterMs: number): Promise<PresenceDoc | null> {
    const tenant = this.tenant(tenantId);
    const connections = tenant.connections.get(userId) ?? new Map<string, ConnectionRecord>();
    const devices = tenant.devices.get(technicianId ?? '')?.size ?? 0;
    let alive = 0;
    let active = false;
    let lastSeen = 0;
    let lastActive = 0;
    let nextChange: number | undefined;
    for (const [connectionId, c] of connections) {
      if (c.expiresAt < nowMs) {
        connections.delete(connectionId);
      } else {
        alive++;
        if (nowMs - c.activeAt < idleAfterMs) active = true;
        if (c.activeAt > lastActive) lastActive = c.activeAt;
        if (nextChange === undefined || c.expiresAt < nextChange) nextChange = c.expiresAt;
      }
      lastSeen = Math.max(lastSeen, Math.min(c.expiresAt, nowMs));
    }
    if (alive === 0) {
      tenant.deadlines.delete(userId);
    } else {
      if (active && lastActive + idleAfterMs < nextChange!) nextChange = lastActive + idleAfterMs;
      tenant.deadlines.set(userId, nextChange!);
    }
    let state: PresenceDoc['state'] = alive > 0 ? (active ? 'online' : 'idle') : 'offline';
    if (alive === 0 && devices > 0) state = 'online';
    const device = devices > 0;
    const held = tenant.users.get(userId);
    if (held && held.state === state && (held.device === true) === device) return null;
    const doc: PresenceDoc = { userId, state, device };
    if (technicianId) doc.technicianId = technicianId;
    if (state === 'offline') {
      if (lastSeen === 0 && held) lastSeen = held.lastSeenMs ?? nowMs;
      doc.lastSeenMs = lastSeen;
    }
    tenant.users.set(userId, copy(doc));
    for (const listener of this.listeners) listener(tenantId, copy(doc));
    return copy(doc);
  }

  async presence(tenantId: string): Promise<PresenceDoc[]> {
    return [...this.tenant(tenantId).users.values()].map(copy);
  }

  async presenceOf(tenantId: string, userIds: string[]): Promise<(PresenceDoc | undefined)[]> {
    const users = this.tenant(tenantId).users;
    return userIds.map((userId) => {
      const doc = users.get(userId);
      return doc && copy(doc);
    });
  }

  async linkTechnician(tenantId: string, technicianId: string, userId: string): Promise<void> {
    this.tenant(tenantId).technicianUsers.set(technicianId, userId);
  }

  async userOfTechnician(tenantId: string, technicianId: string): Promise<string | undefined> {
    return this.tenant(tenantId).technicianUsers.get(technicianId);
  }

  async addTenant(tenantId: string): Promise<void> {
    this.sweepIndex.add(tenantId);
  }

  async removeTenant(tenantId: string): Promise<void> {
    this.sweepIndex.delete(tenantId);
  }

  async tenants(): Promise<string[]> {
    return [...this.sweepIndex];
  }

  async hasDeadlines(tenantId: string): Promise<boolean> {
    return this.tenant(tenantId).deadlines.size > 0;
  }

  async dueUsers(tenantId: string, nowMs: number, limit: number): Promise<string[]> {
    return [...this.tenant(tenantId).deadlines]
      .filter(([, at]) => at <= nowMs)
      .sort(([a, atA], [b, atB]) => atA - atB || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([userId]) => userId);
  }

  private tenant(tenantId: string): TenantPresence {
    let tenant = this.byTenant.get(tenantId);
    if (!tenant) {
      tenant = { users: new Map(), connections: new Map(), deadlines: new Map(), technicianUsers: new Map(), devices: new Map() };
      this.byTenant.set(tenantId, tenant);
    }
    return tenant;
  }
}

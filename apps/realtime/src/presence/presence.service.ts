import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { keyFor, newEnvelope, type PresenceEventType, serializeEvent, topicFor } from '#libs/events';
import { KafkaService } from '#libs/kafka';
import { Clock } from '#libs/platform';
import type { PresenceFrame } from '#libs/realtime-client';
import type { Connection } from '../connection/connection';
import { REALTIME_OPTIONS, type RealtimeOptions } from '../realtime.options';
import { type PresenceDoc, PresenceStore } from './presence.store';

/** Users evaluated per tenant and heartbeat at the most. */
const DUE_PER_BEAT = 5_000;

const toFrame = (doc: PresenceDoc): PresenceFrame => ({
  userId: doc.userId,
  state: doc.state,
  ...(doc.technicianId ? { technicianId: doc.technicianId, device: doc.device === true } : {}),
  ...(doc.lastSeenMs ? { lastSeenAt: new Date(doc.lastSeenMs).toISOString() } : {}),
});

const presenceEventOf: Record<PresenceFrame['state'], PresenceEventType> = {
  online: 'presence.user_online',
  idle: 'presence.user_idle',
  offline: 'presence.user_offline',
};

/**
 * Presence per user across all their connections on all nodes. Each connection is a record with
 * an expiry renewed by this node's heartbeat (one write per beat); a crashed node stops renewing
 * and its connections expire within PRESENCE_TTL_S, which a sweep notices: each user has a deadline
 * (the earliest expiry or going idle) and only users past theirs are evaluated. Changes are published (the
 * store's channel → every node's sockets) and sent to Kafka as presence events. Where presence is kept is
 * the PresenceStore's business (Redis in the app, memory in unit tests); the time is the app's Clock.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly local = new Map<string, Connection>();
  private timer?: NodeJS.Timeout;
  private listener?: (tenantId: string, frame: PresenceFrame) => void;

  constructor(
    private readonly store: PresenceStore,
    @Inject(KafkaService) private readonly kafka: Pick<KafkaService, 'send'>,
    private readonly clock: Clock,
    @Inject(REALTIME_OPTIONS) private readonly options: RealtimeOptions,
  ) {}

  /** Where changes of any tenant go on this node (the gateway routes them to sockets). */
  onChange(listener: (tenantId: string, frame: PresenceFrame) => void): void {
    this.listener = listener;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.store.subscribe((tenantId, doc) => this.listener?.(tenantId, toFrame(doc)));
    const every = Math.max(1_000, (this.options.presenceTtlMs / 3) | 0);
    this.timer = setInterval(() => void this.heartbeat().catch((error: unknown) => this.warn(error)), every);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A clean stop takes this node's connections out at once instead of waiting for their expiry.
    await Promise.allSettled([...this.local.values()].map((c) => this.disconnected(c)));
  }

  async connected(connection: Connection): Promise<void> {
    this.local.set(connection.id, connection);
    await this.store.addTenant(connection.caller.tenantId);
    const { tenantId, technicianId, userId } = connection.caller;
    if (technicianId) await this.store.linkTechnician(tenantId, technicianId, userId);
    await this.renew(connection);
    await this.evaluate(connection.caller.tenantId, connection.caller.userId, connection.caller.technicianId);
  }

  async disconnected(connection: Connection): Promise<void> {
    this.local.delete(connection.id);
    await this.store.removeConnection({ tenantId: connection.caller.tenantId, userId: connection.caller.userId, connectionId: connection.id });
    await this.evaluate(connection.caller.tenantId, connection.caller.userId, connection.caller.technicianId);
  }

  async activity(connection: Connection, state: 'active' | 'idle'): Promise<void> {
    connection.lastActivity = state === 'active' ? this.clock.now().getTime() : 0;
    await this.renew(connection);
    await this.evaluate(connection.caller.tenantId, connection.caller.userId, connection.caller.technicianId);
  }

  /** A technician's phone connected or went away (a device presence entry of the feed). */
  async deviceChanged(tenantId: string, technicianId: string): Promise<void> {
    const userId = await this.store.userOfTechnician(tenantId, technicianId);
    if (userId) await this.evaluate(tenantId, userId, technicianId);
  }

  async snapshot(tenantId: string): Promise<PresenceFrame[]> {
    return (await this.store.presence(tenantId)).map(toFrame);
  }

  private async renew(...connections: Connection[]): Promise<void> {
    if (connections.length === 0) return;
    const expiresAt = this.clock.now().getTime() + this.options.presenceTtlMs;
    await this.store.putConnections(
      connections.map((c) => ({
        ref: { tenantId: c.caller.tenantId, userId: c.caller.userId, connectionId: c.id },
        record: { node: this.options.nodeId, expiresAt, activeAt: c.lastActivity },
      })),
    );
  }

  /** Renews this node's connections, then evaluates the users whose deadline passed, in every tenant (every PRESENCE_TTL_S / 3). */
  async heartbeat(): Promise<void> {
    await this.renew(...this.local.values());
    const now = this.clock.now().getTime();
    for (const tenantId of await this.store.tenants()) {
      if (!(await this.store.hasDeadlines(tenantId))) {
        await this.store.removeTenant(tenantId);
        continue;
      }
      const due = await this.store.dueUsers(tenantId, now, DUE_PER_BEAT);
      if (due.length === 0) continue;
      const docs = await this.store.presenceOf(tenantId, due);
      await Promise.all(due.map((userId, i) => this.evaluate(tenantId, userId, docs[i]?.technicianId)));
    }
  }

  private async evaluate(tenantId: string, userId: string, technicianId?: string): Promise<void> {
    const now = this.clock.now().getTime();
    const doc = await this.store.evaluate(tenantId, userId, technicianId, now, this.options.presenceIdleMs);
    if (!doc) return;
    // The node that saw the change records it: presence shows in history too.
    const type = presenceEventOf[doc.state];
    const data = doc.state === 'offline' ? { userId, lastSeenAt: new Date(doc.lastSeenMs ?? now).toISOString() } : { userId };
    const event = newEnvelope({ type, data, tenantId, streamId: userId, actor: { kind: 'system', id: `realtime:${this.options.nodeId}` } } as never, { clock: () => this.clock.now() });
    await this.kafka
      .send([{ topic: topicFor(event), key: keyFor(event), value: serializeEvent(event), headers: { 'tenant-id': tenantId, 'event-type': type } }])
      .catch((error: unknown) => this.warn(error));
  }

  private warn(error: unknown): void {
    this.options.logger.warn({ context: 'presence', err: (error as Error).message }, 'presence update failed; the next heartbeat retries');
  }
}

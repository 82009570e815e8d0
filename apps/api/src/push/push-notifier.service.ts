import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { FieldlineEvent } from '#libs/events';
import { Clock, Metrics } from '#libs/platform';
import type { WebhookUrlPolicy } from '../webhooks/webhook-url-policy';
import { type AlertNames, namesNeeded, type Notification, notificationsOf, type PushAlert, TECHNICIAN_ALERTS } from './push-alerts';
import { PushSender } from './push-sender';
import { nameKey, PushRepository, type PushTarget } from './push.repository';
import { PUSH_OPTIONS, PUSH_POLICY, PUSH_VAPID } from './push.tokens';
import type { VapidKeys } from './vapid-keys';

export interface PushOptions {
  logger: Logger;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  /** Messages in flight at once per instance. */
  concurrency: number;
  /** Older events are not pushed: a new consumer group reads the log from its start, and a long outage catches up on old news. */
  maxAgeMs: number;
}

const technicianAlert = (alert: PushAlert) => (TECHNICIAN_ALERTS as readonly string[]).includes(alert);

/** Who of these subscriptions gets the notification: its tenant, its audience, the alert chosen; never its own actor. */
function recipients(notification: Notification, targets: PushTarget[], recordedAt: number): PushTarget[] {
  const { audience, message } = notification;
  return targets.filter(
    (t) =>
      t.tenantId === notification.tenantId &&
      t.userId !== notification.actorId &&
      t.alerts.includes(message.alert) &&
      t.createdAt.getTime() <= recordedAt &&
      ('technicianId' in audience ? t.role === 'technician' && t.technicianId === audience.technicianId : (t.role === 'dispatcher' || t.role === 'admin') && !technicianAlert(message.alert)),
  );
}

/** Runs `work` over `items`, at most `limit` at once. */
async function pooled<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Dispatch, media and derived events → push messages (PushEventsController, consumer group
 * PUSH_CONSUMER_GROUP). A batch's messages are sent before its offsets move; a replay after a crash may
 * send one again, which the browser shows in place of the first (same tag). Off without a VAPID key.
 */
@Injectable()
export class PushNotifier {
  private readonly sender?: PushSender;
  private readonly measure;

  constructor(
    private readonly repository: PushRepository,
    @Inject(PUSH_POLICY) policy: WebhookUrlPolicy,
    @Inject(PUSH_VAPID) vapid: VapidKeys | undefined,
    @Inject(PUSH_OPTIONS) private readonly options: PushOptions,
    private readonly clock: Clock,
    metrics: Metrics,
  ) {
    this.measure = metrics.counter({ name: 'fieldline_push_messages_total', help: 'Push messages by outcome: sent, gone (subscription removed), failed (gave up)', labelNames: ['outcome'] as const });
    if (vapid) {
      this.sender = new PushSender(vapid, policy, options, (endpoint, why) =>
        options.logger.warn({ context: 'push', host: new URL(endpoint).host, why }, 'push message not delivered'),
      );
    }
  }

  async handle(events: FieldlineEvent[]): Promise<void> {
    const sender = this.sender;
    if (!sender) return;
    const now = this.clock.now().getTime();
    const fresh = events.filter((e) => now - Date.parse(e.recordedAt) <= this.options.maxAgeMs);
    if (fresh.length === 0) return;
    const tenants = [...new Set(fresh.map((e) => e.tenantId))];
    const [targets, names] = await Promise.all([this.repository.targets(tenants), this.repository.names(tenants, namesNeeded(fresh))]);
    if (targets.length === 0) return;
    const sends = fresh.flatMap((event) => {
      const lookup = (map: Map<string, string>) => (id: string) => map.get(nameKey(event.tenantId, id));
      const named: AlertNames = { job: (id) => names.jobs.get(nameKey(event.tenantId, id)), technician: lookup(names.technicians), geofence: lookup(names.geofences) };
      return notificationsOf(event, named).flatMap((n) => recipients(n, targets, Date.parse(event.recordedAt)).map((target) => ({ target, n })));
    });
    await pooled(sends, this.options.concurrency, async ({ target, n }) => {
      const outcome = await sender.send(target, n);
      this.measure.inc({ outcome });
      if (outcome === 'gone') await this.repository.forget(target.subscriptionId, target.endpoint);
    });
  }
}

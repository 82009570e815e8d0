import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { WebhooksError } from '../webhooks/webhooks.errors';
import type { CreatePushSubscriptionDto } from './dto/push.dto';
import { DISPATCHER_ALERTS, TECHNICIAN_ALERTS } from './push-alerts';
import { PUSH_POLICY, PUSH_VAPID } from './push.tokens';
import { PushError } from './push.errors';
import { PushRepository, type PushSubscriptionRecord } from './push.repository';
import type { VapidKeys } from './vapid-keys';
import type { WebhookUrlPolicy } from '../webhooks/webhook-url-policy';

const toView = (s: PushSubscriptionRecord) => ({ id: s.subscriptionId, endpoint: s.endpoint, alerts: s.alerts, createdAt: s.createdAt.toISOString() });

/** The id follows the endpoint, so subscribing again (every page load does) answers the same id. */
const subscriptionIdOf = (endpoint: string) => `psh_${createHash('sha256').update(endpoint).digest('hex').slice(0, 32)}`;

/** Browsers' push subscriptions, per user and tenant; the sending is PushSender's. */
@Injectable()
export class PushService {
  constructor(
    private readonly repository: PushRepository,
    @Inject(PUSH_POLICY) private readonly policy: WebhookUrlPolicy,
    @Inject(PUSH_VAPID) private readonly vapid: VapidKeys | undefined,
  ) {}

  publicKey(): { publicKey: string } {
    if (!this.vapid) throw PushError.notConfigured();
    return { publicKey: this.vapid.publicKey };
  }

  /** Idempotent by endpoint: the same browser again updates its keys and alerts (and, from another login, changes hands). */
  async subscribe(principal: Principal, input: CreatePushSubscriptionDto) {
    if (!this.vapid) throw PushError.notConfigured();
    try {
      // the endpoint is a URL the user gives: the webhook rules (https, public addresses), checked again at each send
      await this.policy.check(input.endpoint);
    } catch (error) {
      if (error instanceof WebhooksError) throw PushError.endpointRefused(error.message);
      throw error;
    }
    const alerts = input.alerts ?? [...(principal.role === 'technician' ? TECHNICIAN_ALERTS : DISPATCHER_ALERTS)];
    const saved = await this.repository.upsert({
      subscriptionId: subscriptionIdOf(input.endpoint),
      tenantId: principal.tenantId,
      userId: principal.id,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      alerts: [...new Set(alerts)],
    });
    return toView(saved);
  }

  async mine(principal: Principal) {
    return (await this.repository.mine(principal.tenantId, principal.id)).map(toView);
  }

  async unsubscribe(principal: Principal, id: string): Promise<void> {
    if (!(await this.repository.remove(principal.tenantId, principal.id, id))) throw PushError.notFound(id);
  }
}

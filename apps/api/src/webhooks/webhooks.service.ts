import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { newSecret } from '#libs/platform';
import type { Principal } from '../auth/principal';
import type { CreateWebhookDto } from './dto/webhooks.dto';
import { WebhookUrlPolicy } from './webhook-url-policy';
import { WebhooksError } from './webhooks.errors';
import { type Subscription, WebhooksRepository } from './webhooks.repository';

const toView = (s: Subscription) => ({ id: s.subscriptionId, url: s.url, eventTypes: s.eventTypes, createdAt: s.createdAt.toISOString() });

/** Subscriptions and the delivery log; the sending is WebhookDeliveryService's. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly policy: WebhookUrlPolicy,
  ) {}

  async create(principal: Principal, input: CreateWebhookDto) {
    // Only where webhooks may go (https, public addresses): each delivery checks again, as it connects.
    await this.policy.check(input.url);
    const subscriptionId = `whk_${randomUUID().replaceAll('-', '')}`;
    const secret = `whsec_${newSecret(32)}`;
    const created = await this.repository.createSubscription({ subscriptionId, tenantId: principal.tenantId, url: input.url, eventTypes: [...new Set(input.eventTypes)], secret });
    return { ...toView(created), secret, note: 'the signing secret is shown once: verify Fieldline-Signature with it' };
  }

  async list(principal: Principal) {
    return (await this.repository.subscriptions(principal.tenantId)).map(toView);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    if (!(await this.repository.deleteSubscription(principal.tenantId, id))) throw WebhooksError.notFound(id);
  }

  /** The delivery log: every delivery of the subscription with each attempt (newest first). */
  async deliveries(principal: Principal, id: string, limit = 50) {
    if (!(await this.repository.hasSubscription(principal.tenantId, id))) throw WebhooksError.notFound(id);
    const deliveries = await this.repository.deliveries(principal.tenantId, id, limit);
    return deliveries.map((d) => ({
      id: d.deliveryId,
      eventId: d.eventId,
      eventType: d.eventType,
      status: d.status,
      attempts: d.log ?? [],
      nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : undefined,
      deliveredAt: d.deliveredAt?.toISOString(),
    }));
  }
}

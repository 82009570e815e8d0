import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { FieldlineEvent } from '#libs/events';
import { Metrics } from '#libs/platform';
import { WEBHOOK_OPTIONS, type WebhookOptions } from '../api.options';
import { postWebhook } from './webhook-http';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';
import { WebhookUrlPolicy } from './webhook-url-policy';
import { isUrlRefusal } from './webhooks.errors';
import { type DueDelivery, type NewDelivery, WebhooksRepository } from './webhooks.repository';

/** Full jitter (AWS): a random wait in [0, min(cap, base·2^attempt)], so failing endpoints' retries spread out. */
export function retryDelayMs(attempt: number, baseMs: number, capMs = 3_600_000, random = Math.random): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

const matches = (types: string[], type: string) => types.some((t) => t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));

/**
 * Webhooks, in two steps so the pipeline never waits on an integrator:
 * 1. `fanOut`, the handler of the dispatch topic (WebhookEventsController, consumer group
 *    WEBHOOK_CONSUMER_GROUP, one per deployment), turns each dispatch event into one delivery row per
 *    matching subscription of its tenant (idempotent: unique per subscription and event); offsets move
 *    only after;
 * 2. a sender claims due rows (a short lease, so several API instances never send the same row at
 *    once), POSTs them signed, logs every attempt, and reschedules failures with exponential backoff
 *    and full jitter until maxAttempts. An endpoint WebhookUrlPolicy refuses (not public, not https)
 *    is not sent to: the delivery fails at once, saying why. Delivery order is not guaranteed; each
 *    carries its event id.
 */
@Injectable()
export class WebhookDeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  private readonly measure;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly policy: WebhookUrlPolicy,
    @Inject(WEBHOOK_OPTIONS) private readonly options: WebhookOptions,
    metrics: Metrics,
  ) {
    this.measure = {
      attempts: metrics.counter({ name: 'fieldline_webhook_attempts_total', help: 'Webhook delivery attempts by outcome: delivered, retry (will be tried again), failed (gave up)', labelNames: ['outcome'] as const }),
      seconds: metrics.histogram({ name: 'fieldline_webhook_attempt_seconds', help: 'Time an endpoint took to answer a delivery (or to time out)' }),
    };
  }

  onApplicationBootstrap(): void {
    if (!this.options.enabled) return;
    this.running = true;
    this.loop = this.sendLoop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.allSettled(this.inFlight);
  }

  /** One delivery row per dispatch event and matching subscription of its tenant (made after the event was recorded). */
  async fanOut(events: FieldlineEvent[]): Promise<void> {
    const tenants = [...new Set(events.map((e) => e.tenantId))];
    const subscriptions = await this.repository.activeSubscriptions(tenants);
    const deliveries = events.flatMap((event) =>
      subscriptions
        .filter((s) => s.tenantId === event.tenantId && matches(s.eventTypes, event.type) && Date.parse(event.recordedAt) >= s.createdAt.getTime())
        .map(
          (s): NewDelivery => ({
            deliveryId: `dlv_${randomUUID().replaceAll('-', '')}`,
            tenantId: event.tenantId,
            subscriptionId: s.subscriptionId,
            eventId: event.id,
            eventType: event.type,
            payload: JSON.stringify(event),
          }),
        ),
    );
    if (deliveries.length > 0) await this.repository.addDeliveries(deliveries);
  }

  private async sendLoop(): Promise<void> {
    while (this.running) {
      try {
        const room = this.options.concurrency - this.inFlight.size;
        // The lease outlasts any one attempt.
        const due = room > 0 ? await this.repository.claimDue(room, this.options.timeoutMs * 3) : [];
        for (const delivery of due) {
          const sending: Promise<void> = this.send(delivery).finally(() => this.inFlight.delete(sending));
          this.inFlight.add(sending);
        }
      } catch (error) {
        this.options.logger.warn({ context: 'webhooks', err: (error as Error).message }, 'webhook sender could not claim deliveries');
      }
      await new Promise((r) => setTimeout(r, this.options.pollMs));
    }
  }

  private async send(delivery: DueDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const body = JSON.stringify(delivery.payload);
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      const url = new URL(delivery.url);
      // Judged again at every attempt, on the addresses the connection will use (DNS may have changed since registration).
      statusCode = await postWebhook({
        url,
        ...this.policy.connectOptions(url),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Fieldline-Webhooks/1',
          // the real time, not the app's Clock: the receiver checks it against its own clock
          [SIGNATURE_HEADER]: signWebhook(delivery.secret, body, Math.floor(Date.now() / 1000)),
          'fieldline-event-id': delivery.eventId,
          'fieldline-event-type': delivery.eventType,
          'fieldline-delivery-id': delivery.deliveryId,
        },
        body,
        timeoutMs: this.options.timeoutMs,
      });
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (failure) {
      refused = isUrlRefusal(failure);
      error = refused ? `refused, not sent: ${(failure as Error).message}` : (failure as Error).message;
    }
    const durationMs = Math.round(performance.now() - started);
    const delivered = error === null;
    // A refused endpoint stays refused: the delivery fails now rather than retrying against the rules.
    const final = !delivered && (refused || attempt >= this.options.maxAttempts);
    this.measure.attempts.inc({ outcome: delivered ? 'delivered' : final ? 'failed' : 'retry' });
    this.measure.seconds.observe(durationMs / 1000);
    await this.repository.recordAttempt({
      deliveryId: delivery.deliveryId,
      attempt,
      statusCode,
      error,
      durationMs,
      status: delivered ? 'delivered' : final ? 'failed' : 'pending',
      nextAttemptInMs: delivered || final ? 0 : retryDelayMs(attempt, this.options.retryBaseMs),
    });
  }
}

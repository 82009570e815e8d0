import { createHash } from 'node:crypto';
import webpush from 'web-push';
import { retryDelayMs } from '../webhooks/webhook-delivery.service';
import { postWebhook } from '../webhooks/webhook-http';
import type { WebhookUrlPolicy } from '../webhooks/webhook-url-policy';
import { isUrlRefusal } from '../webhooks/webhooks.errors';
import type { Notification } from './push-alerts';
import type { PushSubscriptionRecord } from './push.repository';
import type { VapidKeys } from './vapid-keys';

/** How one message ended: sent, gone (the push service forgot the subscription: delete it), or failed. */
export type PushOutcome = 'sent' | 'gone' | 'failed';

export interface PushSenderOptions {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
}

/** A push service's "topic": a pending message with the same one is replaced (≤ 32 base64url characters). */
const topicOf = (tag: string) => createHash('sha256').update(tag).digest('base64url').slice(0, 32);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One push message to one browser: encrypted for its keys (RFC 8291, aes128gcm) and signed with our
 * VAPID key (RFC 8292) by web-push, then POSTed by us through the outbound URL rules (the judging
 * lookup; web-push's own request could not take it). 404/410: the subscription is gone; 429 and 5xx
 * (and no answer) are retried with exponential backoff and full jitter; any other answer is final.
 */
export class PushSender {
  constructor(
    private readonly vapid: VapidKeys,
    private readonly policy: WebhookUrlPolicy,
    private readonly options: PushSenderOptions,
    private readonly onFailure: (endpoint: string, why: string) => void,
  ) {}

  async send(target: PushSubscriptionRecord, notification: Notification): Promise<PushOutcome> {
    const details = webpush.generateRequestDetails({ endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } }, JSON.stringify(notification.message), {
      vapidDetails: this.vapid,
      TTL: notification.ttlS,
      urgency: notification.urgency,
      topic: topicOf(notification.message.tag),
      contentEncoding: 'aes128gcm',
    });
    const url = new URL(details.endpoint);
    let why = '';
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const status = await postWebhook({ url, ...this.policy.connectOptions(url), headers: details.headers as Record<string, string>, body: details.body as Buffer, timeoutMs: this.options.timeoutMs });
        if (status >= 200 && status <= 299) return 'sent';
        if (status === 404 || status === 410) return 'gone';
        why = `HTTP ${status}`;
        if (status !== 429 && status < 500) break;
      } catch (error) {
        why = (error as Error).message;
        if (isUrlRefusal(error)) break; // against the rules now (DNS changed?): not retried
      }
      if (attempt < this.options.maxAttempts) await sleep(retryDelayMs(attempt, this.options.retryBaseMs));
    }
    this.onFailure(target.endpoint, why);
    return 'failed';
  }
}

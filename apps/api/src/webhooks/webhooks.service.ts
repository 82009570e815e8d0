import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { newSecret, problem } from '#libs/platform';
import { DatabaseService } from '#libs/timescale';
import type { Principal } from '../auth/principal';
import type { CreateWebhookDto } from './dto/webhooks.dto';

interface SubscriptionRow {
  subscription_id: string;
  url: string;
  event_types: string[];
  created_at: Date;
}

const toView = (r: SubscriptionRow) => ({ id: r.subscription_id, url: r.url, eventTypes: r.event_types, createdAt: r.created_at.toISOString() });

/** Subscriptions and the delivery log; the sending is WebhookDispatcher's. */
@Injectable()
export class WebhooksService {
  constructor(private readonly db: DatabaseService) {}

  async create(principal: Principal, input: CreateWebhookDto) {
    const id = `whk_${randomUUID().replaceAll('-', '')}`;
    const secret = `whsec_${newSecret(32)}`;
    const { rows } = await this.db.query<SubscriptionRow>(
      `INSERT INTO webhook_subscriptions (subscription_id, tenant_id, url, event_types, secret) VALUES ($1, $2, $3, $4, $5)
       RETURNING subscription_id, url, event_types, created_at`,
      [id, principal.tenantId, input.url, [...new Set(input.eventTypes)], secret],
    );
    return { ...toView(rows[0]!), secret, note: 'the signing secret is shown once: verify Fieldline-Signature with it' };
  }

  async list(principal: Principal) {
    const { rows } = await this.db.query<SubscriptionRow>(
      'SELECT subscription_id, url, event_types, created_at FROM webhook_subscriptions WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at',
      [principal.tenantId],
    );
    return rows.map(toView);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const { rowCount } = await this.db.query(
      'UPDATE webhook_subscriptions SET deleted_at = now() WHERE tenant_id = $1 AND subscription_id = $2 AND deleted_at IS NULL',
      [principal.tenantId, id],
    );
    if (!rowCount) throw problem(404, 'not-found', 'Not Found', `no webhook ${id}`);
  }

  /** The delivery log: every delivery of the subscription with each attempt (newest first). */
  async deliveries(principal: Principal, id: string, limit = 50) {
    const owned = await this.db.query('SELECT 1 FROM webhook_subscriptions WHERE tenant_id = $1 AND subscription_id = $2', [principal.tenantId, id]);
    if (!owned.rowCount) throw problem(404, 'not-found', 'Not Found', `no webhook ${id}`);
    const { rows } = await this.db.query<{
      delivery_id: string;
      event_id: string;
      event_type: string;
      status: string;
      attempts: number;
      next_attempt_at: Date;
      delivered_at: Date | null;
      log: { attempt: number; at: string; statusCode: number | null; error: string | null; durationMs: number }[] | null;
    }>(
      `SELECT d.delivery_id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.delivered_at,
              (SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.attempted_at, 'statusCode', a.status_code,
                       'error', a.error, 'durationMs', a.duration_ms) ORDER BY a.attempt)
                 FROM webhook_attempts a WHERE a.delivery_id = d.delivery_id) AS log
         FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.subscription_id = $2
        ORDER BY d.created_at DESC LIMIT $3`,
      [principal.tenantId, id, limit],
    );
    return rows.map((r) => ({
      id: r.delivery_id,
      eventId: r.event_id,
      eventType: r.event_type,
      status: r.status,
      attempts: r.log ?? [],
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : undefined,
      deliveredAt: r.delivered_at?.toISOString(),
    }));
  }
}

import { Injectable } from '@nestjs/common';
import { DatabaseService } from '#libs/timescale';
import {
  type ActiveSubscription,
  type AttemptLogEntry,
  type AttemptOutcome,
  type DeliveryRecord,
  type DueDelivery,
  type NewDelivery,
  type NewSubscription,
  type Subscription,
  WebhooksRepository,
} from './webhooks.repository';

interface SubscriptionRow {
  subscription_id: string;
  url: string;
  event_types: string[];
  created_at: Date;
}

const toSubscription = (r: SubscriptionRow): Subscription => ({ subscriptionId: r.subscription_id, url: r.url, eventTypes: r.event_types, createdAt: r.created_at });

@Injectable()
export class PostgresWebhooksRepository extends WebhooksRepository {
  constructor(private readonly db: DatabaseService) {
    super();
  }

  async createSubscription(s: NewSubscription): Promise<Subscription> {
    const { rows } = await this.db.query<SubscriptionRow>(
      `INSERT INTO webhook_subscriptions (subscription_id, tenant_id, url, event_types, secret) VALUES ($1, $2, $3, $4, $5)
       RETURNING subscription_id, url, event_types, created_at`,
      [s.subscriptionId, s.tenantId, s.url, s.eventTypes, s.secret],
    );
    return toSubscription(rows[0]!);
  }

  async subscriptions(tenantId: string): Promise<Subscription[]> {
    const { rows } = await this.db.query<SubscriptionRow>(
      'SELECT subscription_id, url, event_types, created_at FROM webhook_subscriptions WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at',
      [tenantId],
    );
    return rows.map(toSubscription);
  }

  async deleteSubscription(tenantId: string, subscriptionId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE webhook_subscriptions SET deleted_at = now() WHERE tenant_id = $1 AND subscription_id = $2 AND deleted_at IS NULL',
      [tenantId, subscriptionId],
    );
    return Boolean(rowCount);
  }

  async hasSubscription(tenantId: string, subscriptionId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM webhook_subscriptions WHERE tenant_id = $1 AND subscription_id = $2', [tenantId, subscriptionId]);
    return Boolean(rowCount);
  }

  async deliveries(tenantId: string, subscriptionId: string, limit: number): Promise<DeliveryRecord[]> {
    const { rows } = await this.db.query<{
      delivery_id: string;
      event_id: string;
      event_type: string;
      status: string;
      attempts: number;
      next_attempt_at: Date;
      delivered_at: Date | null;
      log: AttemptLogEntry[] | null;
    }>(
      `SELECT d.delivery_id, d.event_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.delivered_at,
              (SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.attempted_at, 'statusCode', a.status_code,
                       'error', a.error, 'durationMs', a.duration_ms) ORDER BY a.attempt)
                 FROM webhook_attempts a WHERE a.delivery_id = d.delivery_id) AS log
         FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.subscription_id = $2
        ORDER BY d.created_at DESC LIMIT $3`,
      [tenantId, subscriptionId, limit],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      eventId: r.event_id,
      eventType: r.event_type,
      status: r.status,
      nextAttemptAt: r.next_attempt_at,
      deliveredAt: r.delivered_at,
      log: r.log,
    }));
  }

  async activeSubscriptions(tenantIds: string[]): Promise<ActiveSubscription[]> {
    const { rows } = await this.db.query<{ subscription_id: string; tenant_id: string; event_types: string[]; created_at: Date }>(
      'SELECT subscription_id, tenant_id, event_types, created_at FROM webhook_subscriptions WHERE tenant_id = ANY($1) AND deleted_at IS NULL',
      [tenantIds],
    );
    return rows.map((r) => ({ subscriptionId: r.subscription_id, tenantId: r.tenant_id, eventTypes: r.event_types, createdAt: r.created_at }));
  }

  async addDeliveries(deliveries: NewDelivery[]): Promise<void> {
    const columns: (keyof NewDelivery)[] = ['deliveryId', 'tenantId', 'subscriptionId', 'eventId', 'eventType', 'payload'];
    await this.db.query(
      `INSERT INTO webhook_deliveries (delivery_id, tenant_id, subscription_id, event_id, event_type, payload)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::jsonb[])
           ON CONFLICT (subscription_id, event_id) DO NOTHING`,
      columns.map((column) => deliveries.map((d) => d[column])),
    );
  }

  async claimDue(limit: number, leaseMs: number): Promise<DueDelivery[]> {
    const { rows } = await this.db.query<{
      delivery_id: string;
      subscription_id: string;
      event_id: string;
      event_type: string;
      payload: unknown;
      attempts: number;
      url: string;
      secret: string;
    }>(
      `UPDATE webhook_deliveries d SET next_attempt_at = now() + $2 * interval '1 millisecond'
         FROM webhook_subscriptions s
        WHERE d.subscription_id = s.subscription_id
          AND d.delivery_id IN (SELECT delivery_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                                ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING d.delivery_id, d.subscription_id, d.event_id, d.event_type, d.payload, d.attempts, s.url, s.secret`,
      [limit, leaseMs],
    );
    return rows.map((r) => ({
      deliveryId: r.delivery_id,
      subscriptionId: r.subscription_id,
      eventId: r.event_id,
      eventType: r.event_type,
      payload: r.payload,
      attempts: r.attempts,
      url: r.url,
      secret: r.secret,
    }));
  }

  async recordAttempt(o: AttemptOutcome): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)', [
        o.deliveryId,
        o.attempt,
        o.statusCode,
        o.error,
        o.durationMs,
      ]);
      await tx.query(
        `UPDATE webhook_deliveries SET attempts = $2, status = $3, delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
           next_attempt_at = now() + $4 * interval '1 millisecond' WHERE delivery_id = $1`,
        [o.deliveryId, o.attempt, o.status, o.nextAttemptInMs],
      );
    });
  }
}

export interface Subscription {
  subscriptionId: string;
  url: string;
  eventTypes: string[];
  createdAt: Date;
}

export interface NewSubscription {
  subscriptionId: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  secret: string;
}

/** What the fan-out matches an event against. */
export interface ActiveSubscription {
  subscriptionId: string;
  tenantId: string;
  eventTypes: string[];
  createdAt: Date;
}

export interface NewDelivery {
  deliveryId: string;
  tenantId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  /** The event as JSON. */
  payload: string;
}

/** A claimed delivery with its endpoint. */
export interface DueDelivery {
  deliveryId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  payload: unknown;
  attempts: number;
  url: string;
  secret: string;
}

export interface AttemptLogEntry {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryRecord {
  deliveryId: string;
  eventId: string;
  eventType: string;
  status: string;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
  /** Every attempt, oldest first; null before the first. */
  log: AttemptLogEntry[] | null;
}

export interface AttemptOutcome {
  deliveryId: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  status: 'delivered' | 'failed' | 'pending';
  /** From now; 0 once delivered or failed. */
  nextAttemptInMs: number;
}

/** Webhook subscriptions, deliveries and their attempts (the port; the abstract class is the injection token). */
export abstract class WebhooksRepository {
  abstract createSubscription(subscription: NewSubscription): Promise<Subscription>;
  /** The tenant's subscriptions not deleted, oldest first. */
  abstract subscriptions(tenantId: string): Promise<Subscription[]>;
  /** Whether a subscription was deleted now (false: none, or already deleted). */
  abstract deleteSubscription(tenantId: string, subscriptionId: string): Promise<boolean>;
  /** Whether the tenant has (or had: deleted ones keep their log) this subscription. */
  abstract hasSubscription(tenantId: string, subscriptionId: string): Promise<boolean>;
  /** The subscription's deliveries, newest first, with their attempts. */
  abstract deliveries(tenantId: string, subscriptionId: string, limit: number): Promise<DeliveryRecord[]>;
  abstract activeSubscriptions(tenantIds: string[]): Promise<ActiveSubscription[]>;
  /** Idempotent: a delivery already recorded for its subscription and event is left alone. */
  abstract addDeliveries(deliveries: NewDelivery[]): Promise<void>;
  /** Up to `limit` due deliveries, leased for `leaseMs` (several senders never claim the same one). */
  abstract claimDue(limit: number, leaseMs: number): Promise<DueDelivery[]>;
  /** Logs the attempt and moves the delivery on, in one transaction. */
  abstract recordAttempt(outcome: AttemptOutcome): Promise<void>;
}

import type { PushAlert } from './push-alerts';

export interface PushSubscriptionRecord {
  subscriptionId: string;
  tenantId: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  alerts: PushAlert[];
  createdAt: Date;
}

/** A subscription as the sender matches it: with its user's role and technician as they are now. */
export interface PushTarget extends PushSubscriptionRecord {
  role: string;
  technicianId: string | null;
}

/** Ids are only unique within a tenant (technician ids are chosen by the tenant): names are keyed by both. */
export const nameKey = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

export interface PushNames {
  jobs: Map<string, { title: string; technicianId: string | null }>;
  technicians: Map<string, string>;
  geofences: Map<string, string>;
}

/** Push subscriptions (table push_subscriptions) and the names the notifications use. */
export abstract class PushRepository {
  /** Insert, or take over the row of the same endpoint (another user of the same browser) and update it. */
  abstract upsert(s: Omit<PushSubscriptionRecord, 'createdAt'>): Promise<PushSubscriptionRecord>;
  abstract mine(tenantId: string, userId: string): Promise<PushSubscriptionRecord[]>;
  abstract remove(tenantId: string, userId: string, subscriptionId: string): Promise<boolean>;
  /** The push service said the subscription is gone (404/410). */
  abstract forget(subscriptionId: string, endpoint: string): Promise<void>;
  /** Subscriptions of these tenants' enabled users. */
  abstract targets(tenantIds: string[]): Promise<PushTarget[]>;
  abstract names(tenantIds: string[], ids: { jobIds: string[]; technicianIds: string[]; geofenceIds: string[] }): Promise<PushNames>;
}

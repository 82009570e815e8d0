-- Web Push subscriptions: one row per browser (its push service endpoint, unique), owned by the user who
-- subscribed last from it, so a shared phone never gets a previous user's alerts. Role and technician
-- come from `users` at send time (a change of either applies at once). `alerts` are the kinds this
-- browser wants (docs/api.md: push notifications).
CREATE TABLE push_subscriptions (
  subscription_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  user_id text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  endpoint text NOT NULL UNIQUE,
  p256dh text NOT NULL,
  auth text NOT NULL,
  alerts text[] NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX push_subscriptions_tenant ON push_subscriptions (tenant_id, user_id);

-- Integrators' webhook subscriptions, one delivery per (subscription, event), and every attempt.
CREATE TABLE webhook_subscriptions (
  subscription_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants,
  url text NOT NULL,
  event_types text[] NOT NULL,
  -- The signing secret must be readable to sign; it is shown to the integrator once, at creation.
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX webhook_subscriptions_tenant ON webhook_subscriptions (tenant_id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
  delivery_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  subscription_id text NOT NULL REFERENCES webhook_subscriptions,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  delivery_id text NOT NULL REFERENCES webhook_deliveries,
  attempt integer NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  status_code integer,
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);

-- Tenants, users with roles, rotating refresh tokens, integrator API keys. Secrets are scrypt hashes.
CREATE TABLE tenants (
  tenant_id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  user_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'dispatcher', 'technician', 'integrator')),
  technician_id text,
  password_hash text NOT NULL,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_tenant ON users (tenant_id);

-- One row per issued refresh token. A token is used once; presenting a used one again means it was
-- stolen, and the whole family (every token descended from one login) is revoked.
CREATE TABLE refresh_tokens (
  token_id text PRIMARY KEY,
  family_id text NOT NULL,
  tenant_id text NOT NULL,
  user_id text NOT NULL REFERENCES users,
  token_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE api_keys (
  key_id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants,
  name text NOT NULL,
  key_hash text NOT NULL,
  scopes text[] NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- A retried command with the same Idempotency-Key returns the first response, never appends again.
CREATE TABLE idempotency_keys (
  tenant_id text NOT NULL,
  key text NOT NULL,
  principal text NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  body jsonb,
  headers jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, key)
);

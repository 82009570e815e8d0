-- Read models the API keeps in the same transaction as the append (lists, filters, assignment checks).
-- The projector's views (Redis board, history) are built from Kafka; these are the API's own.
CREATE TABLE jobs_view (
  tenant_id text NOT NULL,
  job_id text NOT NULL,
  version integer NOT NULL,
  status text NOT NULL,
  on_hold_from text,
  title text NOT NULL,
  description text,
  customer_id text,
  site_id text,
  lat double precision,
  lon double precision,
  priority text NOT NULL,
  required_skills text[] NOT NULL,
  window_start timestamptz,
  window_end timestamptz,
  technician_id text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, job_id)
);
CREATE INDEX jobs_view_technician ON jobs_view (tenant_id, technician_id) WHERE technician_id IS NOT NULL;
CREATE INDEX jobs_view_status ON jobs_view (tenant_id, status, created_at, job_id);

CREATE TABLE technicians_view (
  tenant_id text NOT NULL,
  technician_id text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  skills text[] NOT NULL,
  status text NOT NULL,
  available boolean NOT NULL,
  home_lat double precision,
  home_lon double precision,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, technician_id)
);

-- Which API instance publishes the outbox now: a lease, renewed while it runs. A plain row (not an
-- advisory lock) so it also works where advisory locks are no-ops (the embedded PGlite).
CREATE TABLE outbox_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);

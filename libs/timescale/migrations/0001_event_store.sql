-- The write model: every change of every aggregate, append-only (see ARCHITECTURE.md, "event store").
-- global_position orders all events; (tenant_id, stream_id, stream_position) is the optimistic
-- concurrency check: two writers appending the same position cannot both commit.
CREATE TABLE events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  tenant_id text NOT NULL,
  stream_id text NOT NULL,
  stream_position integer NOT NULL CHECK (stream_position > 0),
  type text NOT NULL,
  schema_version integer NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, stream_id, stream_position)
);

-- The transactional outbox: written in the same transaction as the events, drained by the relay.
CREATE TABLE outbox (
  global_position bigint PRIMARY KEY REFERENCES events (global_position),
  topic text NOT NULL,
  key text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outbox_unsent ON outbox (global_position) WHERE sent_at IS NULL;

-- Telemetry history, written by apps/projector from fieldline.telemetry.v1 in batches.
-- Rows are deduplicated by the device's own message id (device retries, projector replays): the
-- unique index includes `time` because TimescaleDB requires the partitioning column in it.
CREATE TABLE locations (
  time timestamptz NOT NULL,
  tenant_id text NOT NULL,
  subject_id text NOT NULL,
  device_id text NOT NULL,
  message_id text NOT NULL,
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  speed_mps real,
  heading_deg real,
  accuracy_m real,
  altitude_m real,
  battery_pct real,
  source text NOT NULL,
  -- metres from the subject's previous fix when this one extended the track in time order; null for a
  -- late (out-of-order) fix, so distance sums never count a back-and-forth that was not driven
  segment_m real,
  recorded_at timestamptz NOT NULL
);
SELECT create_hypertable('locations', by_range('time', INTERVAL '1 day'));
CREATE UNIQUE INDEX locations_dedupe ON locations (tenant_id, subject_id, message_id, time);
CREATE INDEX locations_track ON locations (tenant_id, subject_id, time DESC);
ALTER TABLE locations SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'tenant_id, subject_id',
  timescaledb.compress_orderby = 'time DESC'
);
SELECT add_compression_policy('locations', INTERVAL '7 days');
SELECT add_retention_policy('locations', INTERVAL '400 days');

CREATE TABLE readings (
  time timestamptz NOT NULL,
  tenant_id text NOT NULL,
  device_id text NOT NULL,
  subject_id text,
  message_id text NOT NULL,
  sensor text NOT NULL,
  value double precision NOT NULL,
  unit text NOT NULL,
  recorded_at timestamptz NOT NULL
);
SELECT create_hypertable('readings', by_range('time', INTERVAL '1 day'));
CREATE UNIQUE INDEX readings_dedupe ON readings (tenant_id, device_id, message_id, time);
CREATE INDEX readings_series ON readings (tenant_id, device_id, sensor, time DESC);
ALTER TABLE readings SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'tenant_id, device_id, sensor',
  timescaledb.compress_orderby = 'time DESC'
);
SELECT add_compression_policy('readings', INTERVAL '7 days');
SELECT add_retention_policy('readings', INTERVAL '400 days');

-- Per subject per minute and per hour. materialized_only = false: a query sees the materialized
-- buckets plus the raw rows past the watermark, so answers are current even where no background
-- scheduler runs (the embedded database has none; a real TimescaleDB runs the policies).
CREATE MATERIALIZED VIEW locations_1m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', time) AS bucket, tenant_id, subject_id,
       count(*) AS points, coalesce(sum(segment_m), 0) AS distance_m, max(speed_mps) AS max_speed_mps
FROM locations GROUP BY 1, 2, 3 WITH NO DATA;
SELECT add_continuous_aggregate_policy('locations_1m',
  start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute');

CREATE MATERIALIZED VIEW locations_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', time) AS bucket, tenant_id, subject_id,
       count(*) AS points, coalesce(sum(segment_m), 0) AS distance_m, max(speed_mps) AS max_speed_mps
FROM locations GROUP BY 1, 2, 3 WITH NO DATA;
SELECT add_continuous_aggregate_policy('locations_1h',
  start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes');

-- Telemetry history, written by apps/projector from fieldline.telemetry.v1 in batches.
-- The DDL lives in functions so `npm run rebuild -- telemetry` can build the same tables under a
-- suffix and swap them in (fieldline_swap_tracking_tables) while the live ones keep serving.

CREATE FUNCTION fieldline_create_tracking_tables(suffix text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  loc text := 'locations' || suffix;
  rd text := 'readings' || suffix;
BEGIN
  -- Rows are deduplicated by the device's own message id (device retries, projector replays): the
  -- unique index includes `time` because TimescaleDB requires the partitioning column in it.
  EXECUTE format($$CREATE TABLE %I (
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
    -- metres from the subject's previous fix when this one extended the track in time order; null
    -- for a late (out-of-order) fix, so distance sums never count a back-and-forth not driven
    segment_m real,
    recorded_at timestamptz NOT NULL
  )$$, loc);
  PERFORM create_hypertable(loc::regclass, by_range('time', INTERVAL '1 day'));
  EXECUTE format('CREATE UNIQUE INDEX %I ON %I (tenant_id, subject_id, message_id, time)', loc || '_dedupe', loc);
  EXECUTE format('CREATE INDEX %I ON %I (tenant_id, subject_id, time DESC)', loc || '_track', loc);
  EXECUTE format($$ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = 'tenant_id, subject_id',
    timescaledb.compress_orderby = 'time DESC, message_id')$$, loc);
  PERFORM add_compression_policy(loc::regclass, INTERVAL '7 days');
  PERFORM add_retention_policy(loc::regclass, INTERVAL '400 days');

  EXECUTE format($$CREATE TABLE %I (
    time timestamptz NOT NULL,
    tenant_id text NOT NULL,
    device_id text NOT NULL,
    subject_id text,
    message_id text NOT NULL,
    sensor text NOT NULL,
    value double precision NOT NULL,
    unit text NOT NULL,
    recorded_at timestamptz NOT NULL
  )$$, rd);
  PERFORM create_hypertable(rd::regclass, by_range('time', INTERVAL '1 day'));
  EXECUTE format('CREATE UNIQUE INDEX %I ON %I (tenant_id, device_id, message_id, time)', rd || '_dedupe', rd);
  EXECUTE format('CREATE INDEX %I ON %I (tenant_id, device_id, sensor, time DESC)', rd || '_series', rd);
  EXECUTE format($$ALTER TABLE %I SET (timescaledb.compress, timescaledb.compress_segmentby = 'tenant_id, device_id, sensor',
    timescaledb.compress_orderby = 'time DESC, message_id')$$, rd);
  PERFORM add_compression_policy(rd::regclass, INTERVAL '7 days');
  PERFORM add_retention_policy(rd::regclass, INTERVAL '400 days');
END
$fn$;

-- Per subject per minute and per hour. materialized_only = false: a query sees the materialized
-- buckets plus the raw rows past the watermark, so answers are current even where no background
-- scheduler runs (the embedded database has none; a real TimescaleDB runs the policies).
CREATE FUNCTION fieldline_create_tracking_aggregates() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  spec record;
BEGIN
  FOR spec IN SELECT * FROM (VALUES ('locations_1m', INTERVAL '1 minute', INTERVAL '3 days', INTERVAL '1 minute'),
                                    ('locations_1h', INTERVAL '1 hour', INTERVAL '7 days', INTERVAL '30 minutes'))
                          AS s(name, width, start_offset, schedule) LOOP
    EXECUTE format($$CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
      SELECT time_bucket(%L::interval, time) AS bucket, tenant_id, subject_id,
             count(*) AS points, coalesce(sum(segment_m), 0) AS distance_m, max(speed_mps) AS max_speed_mps
      FROM locations GROUP BY 1, 2, 3 WITH NO DATA$$, spec.name, spec.width);
    PERFORM add_continuous_aggregate_policy(spec.name::regclass,
      start_offset => spec.start_offset, end_offset => spec.width, schedule_interval => spec.schedule);
  END LOOP;
END
$fn$;

-- Swaps rebuilt tables (built with `suffix`) in for the live ones, in the caller's transaction: the
-- old tables are dropped and the aggregates recreated on the new ones. The caller drops the
-- aggregates first: TimescaleDB refuses DROP MATERIALIZED VIEW of a continuous aggregate from PL/pgSQL.
CREATE FUNCTION fieldline_swap_tracking_tables(suffix text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  base text;
  index_name text;
BEGIN
  FOREACH base IN ARRAY ARRAY['locations', 'readings'] LOOP
    EXECUTE format('DROP TABLE %I', base);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', base || suffix, base);
    FOR index_name IN SELECT indexname FROM pg_indexes WHERE tablename = base AND indexname LIKE base || suffix || '%' LOOP
      EXECUTE format('ALTER INDEX %I RENAME TO %I', index_name, base || substr(index_name, length(base || suffix) + 1));
    END LOOP;
  END LOOP;
  PERFORM fieldline_create_tracking_aggregates();
END
$fn$;

SELECT fieldline_create_tracking_tables('');
SELECT fieldline_create_tracking_aggregates();

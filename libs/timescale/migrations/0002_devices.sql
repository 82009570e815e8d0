-- Devices and phones that may connect to ingest. Owned by the API (provisioning, rotation, revocation);
-- read by ingest to authenticate. The device id is the MQTT client id / username and is unique across
-- tenants, so a connecting device names its tenant implicitly.
CREATE TABLE devices (
  device_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('phone', 'gateway', 'tracker', 'sensor')),
  name text NOT NULL,
  secret_hash text NOT NULL,
  -- technician or asset the device reports for (its telemetry becomes theirs)
  technician_id text,
  asset_id text,
  -- the OwnTracks user/device pair this device publishes as (topic owntracks/{user}/{device})
  owntracks_user text,
  owntracks_device text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  secret_rotated_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX devices_tenant ON devices (tenant_id);

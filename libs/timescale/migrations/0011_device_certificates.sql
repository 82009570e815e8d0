-- Client certificates the API signed for devices (mutual TLS, POST /devices/{id}/certificate). Ingest
-- finds the device by the SHA-256 fingerprint of the certificate a TLS handshake verified against the
-- device CA; a revoked or expired one logs nothing in. Owned by the API, written with the device's
-- events in one transaction; tenant_id as on every table, though device ids are unique across tenants.
CREATE TABLE device_certificates (
  serial text PRIMARY KEY,
  tenant_id text NOT NULL,
  device_id text NOT NULL REFERENCES devices (device_id),
  fingerprint text NOT NULL UNIQUE,
  not_after timestamptz NOT NULL,
  issued_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX device_certificates_device ON device_certificates (tenant_id, device_id);

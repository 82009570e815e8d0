-- Customers, sites and geofences as the API lists them. One table for the three (they share a life
-- cycle); `parent_id` is the site's customer or the geofence's site, for filtering.
CREATE TABLE places_view (
  tenant_id text NOT NULL,
  family text NOT NULL CHECK (family IN ('customer', 'site', 'geofence')),
  place_id text NOT NULL,
  version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'retired')),
  name text NOT NULL,
  parent_id text,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, family, place_id)
);
CREATE INDEX places_view_list ON places_view (tenant_id, family, status, name, place_id);
CREATE INDEX places_view_parent ON places_view (tenant_id, family, parent_id) WHERE parent_id IS NOT NULL;

-- The job board's keyset pages, in both sort orders, read from an index instead of sorting the tenant's
-- whole board on every page (on a real server with 15,000 jobs a page took ~40 ms, most of it the sort).
-- The expressions match the list query exactly (NULL windows sort last).
CREATE INDEX jobs_view_by_created ON jobs_view (tenant_id, (coalesce(created_at, 'infinity'::timestamptz)), job_id);
CREATE INDEX jobs_view_by_window ON jobs_view (tenant_id, (coalesce(window_start, 'infinity'::timestamptz)), job_id);

-- An assignment reads the technician's open bookings that overlap the job's window. Through
-- jobs_view_technician it visited every job the technician ever had (completed ones included) to
-- filter them; this index holds only the open, assigned ones, by window start.
CREATE INDEX jobs_view_open_bookings ON jobs_view (tenant_id, technician_id, window_start)
  WHERE technician_id IS NOT NULL AND status NOT IN ('completed', 'cancelled');

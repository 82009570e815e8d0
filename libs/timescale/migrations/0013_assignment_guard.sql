-- Assignments without a transaction: the rules (skills, shift, no double booking) read the technician's
-- row and their bookings in one statement, and the append carries a guard: it bumps `assignments` only
-- if the row is still as read (same version, same count). A concurrent assignment to the same technician
-- (or a change of theirs) makes the guard touch no row, and fieldline_guard aborts the whole append as a
-- serialization failure (40001), which the command handler retries on fresh data. This replaces the
-- transaction that held the row locked over four round trips (BEGIN, lock, bookings, append, COMMIT).
ALTER TABLE technicians_view ADD COLUMN assignments bigint NOT NULL DEFAULT 0;

CREATE FUNCTION fieldline_guard(touched bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF touched <> 1 THEN
    RAISE EXCEPTION 'what the command decided on changed meanwhile; decide again'
      USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN true;
END
$$;

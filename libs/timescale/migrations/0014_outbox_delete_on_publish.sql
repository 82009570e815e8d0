-- The outbox is a queue, not a record (the events table is the record, and replays read it): the relay
-- now deletes the rows it publishes, in the transaction that publishes them (a failed send or commit
-- leaves them queued), instead of stamping sent_at and keeping every payload twice for ever. A delete
-- writes no new row version and no index entries, where the stamp wrote both.
-- The foreign key to events goes too: outbox rows are only ever written by the append's own statement,
-- from the events it just inserted, and the key's check cost a lookup and a row lock on each event.
DELETE FROM outbox WHERE sent_at IS NOT NULL;
DROP INDEX outbox_unsent;
ALTER TABLE outbox DROP COLUMN sent_at;
ALTER TABLE outbox DROP CONSTRAINT outbox_global_position_fkey;

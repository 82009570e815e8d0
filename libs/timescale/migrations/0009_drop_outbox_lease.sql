-- The outbox relay's single-publisher rule is now a transaction-scoped advisory lock, released by the
-- server with the transaction or the crashed holder's session; the lease row it replaces goes.
DROP TABLE IF EXISTS outbox_lease;

-- A ledger created before migrations could be marked backward-compatible gets the column; the rows
-- already in it are not marked (false), which is the safe reading.
ALTER TABLE schema_migrations ADD COLUMN backward_compatible boolean NOT NULL DEFAULT false

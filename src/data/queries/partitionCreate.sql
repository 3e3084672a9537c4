-- Makes the table of one day's events, not yet a partition: created apart and then attached
-- (partitionAttach.sql), raw_events is locked SHARE UPDATE EXCLUSIVE, which inserts and reads pass,
-- where CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE and stop them while it waits.
-- The indexes come with the attach. DDL takes no parameters: the name is quoted by partitionStore.ts.
CREATE TABLE IF NOT EXISTS {partition}
  (LIKE raw_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE
        INCLUDING COMPRESSION)

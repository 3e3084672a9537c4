-- Takes the maintenance pass's lock if no other process holds it, without waiting, and reads the
-- database clock the pass works by. Transaction-scoped: it is held by the transaction this runs in, open
-- on a connection of its own for the whole pass, and goes with it (commit, rollback or a lost
-- connection), so behind a transaction-mode pooler nothing is left on a server connection for the next
-- client. The key (the migrations' lock key + 1) is written here, not bound: sent as a simple query, the
-- statement leaves no portal behind, whose snapshot would pin the transaction's xmin for the whole pass:
-- vacuum held back, and DETACH ... FINALIZE, which waits for every older snapshot, timed out (measured).
SELECT pg_try_advisory_xact_lock(4217307352) AS acquired, now() AS database_now

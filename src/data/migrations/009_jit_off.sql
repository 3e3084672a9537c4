-- backward-compatible
-- JIT compilation off for this database's sessions (issue 13 part 4). Every statement of the service is
-- short and touches few rows, so JIT never pays for itself here; but a statement whose row estimates
-- grow with the backlog can cross jit_above_cost and then spends far longer compiling than running: the
-- claim, with 60,000 pending jobs, took 0.6–1.1 s, 601 of 610 ms in JIT, instead of 2–3 ms. Set on the
-- database rather than per connection so that it holds behind a transaction-mode pooler too (PgBouncer
-- passes no per-connection settings). It applies to sessions opened after this migration; an operator
-- can still turn it on for one session (SET jit = on) for a large ad-hoc query.
--
-- Changing a database's settings takes its owner (or a superuser). A migration run by a user that is
-- neither still succeeds, and says what to run instead.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION
  WHEN insufficient_privilege THEN
    RAISE NOTICE 'cannot turn JIT off for database %: run ALTER DATABASE % SET jit = off as its owner',
      current_database(), current_database();
END
$$;

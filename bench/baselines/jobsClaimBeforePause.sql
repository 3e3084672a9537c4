-- The claim as it was before pauses (migration 014), kept as the baseline of bench/pauseClaim.ts: the
-- bench runs a worker built with this file in place of src/data/queries/jobsClaim.sql. It knows no pause,
-- and what its shares leave goes to the oldest due jobs of anyone.
-- Claims up to $2 due jobs for worker $1 with a lease of $3 seconds, counting the attempt, taking
-- tenants in turn from just after tenant $4 (fair queueing, issue 12). Kept short up here: the
-- statement's first 1,024 bytes are what pg_stat_activity shows. How it works is said further down.
WITH RECURSIVE
after_cursor (tenant_id) AS (
  SELECT (SELECT j.tenant_id FROM ingestion_jobs AS j
          WHERE j.status NOT IN ('Processing', 'Succeeded', 'Failed') AND j.tenant_id > $4
          ORDER BY j.tenant_id LIMIT 1)
  UNION ALL
  SELECT (SELECT j.tenant_id FROM ingestion_jobs AS j
          WHERE j.status NOT IN ('Processing', 'Succeeded', 'Failed') AND j.tenant_id > r.tenant_id
          ORDER BY j.tenant_id LIMIT 1)
  FROM after_cursor AS r
  WHERE r.tenant_id IS NOT NULL
),
-- The wrap-around: tenants from the first up to $4 itself, read only when the tenants after $4 are
-- fewer than $2.
up_to_cursor (tenant_id) AS (
  SELECT (SELECT j.tenant_id FROM ingestion_jobs AS j
          WHERE j.status NOT IN ('Processing', 'Succeeded', 'Failed') AND j.tenant_id <= $4
          ORDER BY j.tenant_id LIMIT 1)
  UNION ALL
  SELECT (SELECT j.tenant_id FROM ingestion_jobs AS j
          WHERE j.status NOT IN ('Processing', 'Succeeded', 'Failed')
            AND j.tenant_id > r.tenant_id AND j.tenant_id <= $4
          ORDER BY j.tenant_id LIMIT 1)
  FROM up_to_cursor AS r
  WHERE r.tenant_id IS NOT NULL
),
-- Fair queueing: a tenant that submits one job while another has 20,000 waiting gets it claimed at
-- the next claim, not after the 20,000. Walk the tenants that have Pending jobs in tenant_id order,
-- starting after $4 (the tenant the caller's previous claim ended with; '' at first) and wrapping
-- around, up to $2 tenants. Each gets an equal share of the batch ($2 / tenants, the remainder to the
-- first ones): its oldest due jobs. What the shares leave (tenants with fewer due jobs than their
-- share) is filled with the oldest due jobs of anyone, as the claim did before; one tenant alone still
-- gets the whole batch, oldest first. RETURNING carries ring_end, the last tenant visited, for the
-- caller's next $4: with more tenants than a batch holds, successive claims go round all of them.
--
-- Every read that picks jobs locks with SKIP LOCKED inside its own LIMIT, so concurrent claimers take
-- different jobs and never wait on each other, and no more rows are locked than can be claimed. The
-- UPDATE touches exactly the ids picked, so it cannot update more rows than $2.
--
-- The tenant walk and the per-tenant reads use ingestion_jobs_pending_tenant_idx (migration 006 says
-- why their status predicate is spelled NOT IN). The walk is a recursive "skip scan", one index descent
-- per tenant however many jobs it has, read lazily: it stops at $2 tenants. The fill reads
-- ingestion_jobs_pending_idx, as the claim always did.
ring AS (
  SELECT tenant_id, row_number() OVER () AS position, count(*) OVER () AS tenants
  FROM (
    (SELECT tenant_id FROM after_cursor WHERE tenant_id IS NOT NULL)
    UNION ALL
    (SELECT tenant_id FROM up_to_cursor WHERE tenant_id IS NOT NULL)
    LIMIT $2
  ) AS visited
),
shares AS (
  SELECT due.id
  FROM ring
  CROSS JOIN LATERAL (
    SELECT j.id
    FROM ingestion_jobs AS j
    WHERE j.tenant_id = ring.tenant_id AND j.available_at <= now()
      AND j.status NOT IN ('Processing', 'Succeeded', 'Failed')
    ORDER BY j.available_at
    LIMIT $2 / ring.tenants + CASE WHEN ring.position <= $2 % ring.tenants THEN 1 ELSE 0 END
    FOR UPDATE SKIP LOCKED
  ) AS due
),
-- Rows this transaction locked above are not skipped by SKIP LOCKED here, hence the <> ALL. Against an
-- array, computed once, and not NOT IN (SELECT …): with a backlog of about 50,000 jobs the planner no
-- longer expected the shares to fit a hash table, planned NOT IN as a subquery per pending row, costed
-- the claim at 20 million and JIT-compiled every claim (0.6–1.1 s each instead of 2–3 ms).
fill AS (
  SELECT j.id
  FROM ingestion_jobs AS j
  WHERE j.status = 'Pending' AND j.available_at <= now() AND j.id <> ALL (ARRAY(SELECT id FROM shares))
  ORDER BY j.available_at
  LIMIT $2 - (SELECT count(*) FROM shares)
  FOR UPDATE SKIP LOCKED
),
due AS (
  SELECT id FROM shares
  UNION ALL
  SELECT id FROM fill
),
-- This transaction's commit does not wait for the WAL to reach disk. Losing a claim in a database crash
-- only returns the job to Pending (the worker's completion is then refused by the fence), and the
-- completion, whose commit does wait, flushes the claim with it. It saves a disk flush between a job's
-- acceptance and its processing. Set per transaction, so a connection pooler never carries it over.
no_flush_wait AS (
  SELECT set_config('synchronous_commit', 'off', true)
),
-- The lease runs from the moment of the write (clock_timestamp()), not from the transaction's start
-- (now()): a claim that waited on a table lock longer than the lease would otherwise commit a lease
-- that had already expired.
claimed AS (
  UPDATE ingestion_jobs AS job
  SET status = 'Processing',
      attempt = job.attempt + 1,
      locked_by = $1,
      locked_until = clock_timestamp() + make_interval(secs => $3),
      attempted_at = now(),
      updated_at = now()
  FROM no_flush_wait
  -- An array of the picked ids: a lookup by primary key whatever the planner guesses about the CTEs.
  WHERE job.id = ANY (ARRAY(SELECT id FROM due))
    -- Names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND job.status IN ('Pending', 'Processing')
  RETURNING job.id, job.tenant_id, job.attempt, job.max_attempts,
    -- For the metric ingest_job_queue_wait_seconds, on the database's clock like created_at.
    extract(epoch FROM now() - job.created_at)::float8 AS waited_seconds, job.available_at,
    (SELECT tenant_id FROM ring ORDER BY position DESC LIMIT 1) AS ring_end
)
-- In the order they were picked by, oldest due first: the UPDATE returns rows in whatever order its plan
-- met them.
SELECT id, tenant_id, attempt, max_attempts, waited_seconds, ring_end
FROM claimed
ORDER BY available_at, id

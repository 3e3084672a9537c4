-- Fair queueing (issue 12): the claim takes the oldest due jobs of each tenant with pending work in
-- turn, so one tenant's deep backlog no longer delays every other tenant's jobs behind it. This index
-- is what makes that cheap: per tenant, its pending jobs by available_at. The claim walks it tenant by
-- tenant (one index descent per tenant, a "skip scan") and reads each tenant's oldest due jobs from it.
-- backward-compatible
--
-- Only Pending rows enter it, as with ingestion_jobs_pending_idx: finished jobs never slow the claim.
-- The predicate names the other three statuses instead of status = 'Pending' on purpose. With the
-- same predicate as ingestion_jobs_pending_idx (available_at), the planner may read one tenant's
-- oldest jobs from that index, filtering by tenant, whenever its statistics show few tenants; with one
-- tenant's 20,000 jobs ahead of another's, that reads 20,000 entries per claim. The claim's per-tenant
-- reads state this predicate, which implies this index's and not the other's, so only this index (or
-- a scan of every row of the tenant) can serve them. The status CHECK of 001 makes the two predicates
-- select the same rows; a new status must be added to this list.
--
-- Built in the migration's transaction, so not CONCURRENTLY: it reads the whole table once and holds
-- off inserts meanwhile (0.3 s for 1,070,000 jobs, 50,000 of them Pending, on the development machine).
CREATE INDEX ingestion_jobs_pending_tenant_idx ON ingestion_jobs (tenant_id, available_at)
  WHERE status NOT IN ('Processing', 'Succeeded', 'Failed');

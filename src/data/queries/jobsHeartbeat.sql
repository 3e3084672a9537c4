-- Renews worker $1's leases on jobs $2 by $3 seconds. Returns the jobs whose lease it still holds: a
-- missing id means the lease was lost (it expired and the job was handed to another worker).
UPDATE ingestion_jobs
SET locked_until = now() + make_interval(secs => $3)
WHERE id = ANY ($2::uuid[]) AND locked_by = $1 AND status = 'Processing'
RETURNING id

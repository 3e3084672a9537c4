-- Whether a table a pass detached but did not drop holds an event of a job that is not finished: such
-- a job still reads them (an operator retried it, or it was never finished), so the table is put back
-- rather than dropped. One probe of the table's index on (job_id, seq) per unfinished job. Quoted by
-- partitionStore.ts.
SELECT EXISTS (
  SELECT 1
  FROM ingestion_jobs AS job
  WHERE job.status IN ('Pending', 'Processing')
    AND EXISTS (SELECT 1 FROM {partition} AS e WHERE e.job_id = job.id)
) AS holds

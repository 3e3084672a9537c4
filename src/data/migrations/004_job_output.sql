-- Where a job's output goes when a processor written in TypeScript (src/processing/) completed it
-- instead of the template's aggregation in SQL: any JSON document, written by the statement that marks
-- the job Succeeded (jobsSucceedWithOutput.sql) and served beside `results` by GET /v1/results/{jobId}.
-- Null for jobs the template's aggregation completed: their results stay in ingestion_results. A nullable
-- column without a default is added without rewriting the table.
ALTER TABLE ingestion_jobs ADD COLUMN output jsonb;

-- Which of these jobs exist: after an insert whose outcome the client did not see, once its statement
-- has certainly finished (backendCancel.sql), this tells whether it committed.
-- $1 job ids
SELECT id FROM ingestion_jobs WHERE id = ANY($1::uuid[])

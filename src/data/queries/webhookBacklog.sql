-- The messages waiting to be delivered, for the metrics: how many (counted to $1 at most, so a large
-- backlog costs no more than that) and when the oldest was written (database clock). Both are read from
-- webhook_deliveries_due_idx alone (it carries created_at).
SELECT (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries WHERE status = 'pending' LIMIT $1) AS waiting)::integer
         AS pending,
       (SELECT min(created_at) FROM webhook_deliveries WHERE status = 'pending') AS oldest,
       now() AS now

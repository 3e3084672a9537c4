-- Tables a pass detached from raw_events but did not get to drop (the process stopped in between):
-- the next pass drops them. Recognised by the comment partitionMarkDropping.sql put on them before the
-- detach, so a partition an operator detached by hand (to archive it, say) is never dropped.
-- $1 that comment
SELECT part.relname AS name
FROM pg_class AS part
JOIN pg_description AS comment ON comment.objoid = part.oid AND comment.classoid = 'pg_class'::regclass
                                AND comment.objsubid = 0
WHERE part.relkind = 'r' AND NOT part.relispartition
  AND part.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'raw_events'::regclass)
  AND comment.description = $1
ORDER BY part.relname

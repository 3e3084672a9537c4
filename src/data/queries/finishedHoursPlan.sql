-- What the rollup of finished hours has to do, by the database clock: the first hour not rolled up yet
-- (the hour after the newest row, or the first of the $1 hours the overview shows, the current one
-- included, whichever is later: older hours are never shown), and the end of the last hour that ended
-- at least two minutes ago (a completion whose transaction began before the hour's end has committed by
-- then). Also deletes the hours older than $2.
WITH forgotten AS (
  DELETE FROM finished_jobs_hourly WHERE hour < now() - make_interval(hours => $2)
)
SELECT greatest((SELECT max(hour) + interval '1 hour' FROM finished_jobs_hourly),
                date_trunc('hour', now(), 'UTC') - make_interval(hours => $1 - 1)) AS from_hour,
       date_trunc('hour', now() - interval '2 minutes', 'UTC') AS until_hour

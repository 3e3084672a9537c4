-- The distinct event types and result types of the template's data: the service computes each one's
-- grouping key itself (see eventTypeKey), so that adopted events group exactly as new ones do.
SELECT type FROM dotnet_template_raw_events
UNION
SELECT event_type FROM dotnet_template_ingestion_results

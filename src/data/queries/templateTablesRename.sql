-- Moves the .NET template's three tables aside, with their data, so that our migrations can create ours
-- under the same names; the data is then copied across (templateJobsCopy.sql and the rest). The renamed
-- tables are kept, untouched, until an operator drops them (docs/upgrading.md).
ALTER TABLE ingestion_results RENAME TO dotnet_template_ingestion_results;
ALTER TABLE raw_events RENAME TO dotnet_template_raw_events;
ALTER TABLE ingestion_jobs RENAME TO dotnet_template_ingestion_jobs;

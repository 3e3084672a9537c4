-- The EF Core migrations the .NET template applied (read only once templateSchemaFind found its table).
SELECT "MigrationId" AS id FROM "__EFMigrationsHistory" ORDER BY "MigrationId"

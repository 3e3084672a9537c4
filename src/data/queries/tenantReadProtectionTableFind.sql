-- Whether the schema has the table that records the protection of tenant reads (migration 012).
SELECT to_regclass('tenant_read_protection') IS NOT NULL AS ready

-- As tenantScopeEnter, where the role ingest_tenant_reader could not be created or granted: the tenant is
-- still set, and the policies bind roles that are neither owners nor superusers. $1 tenant id
SELECT set_config('ingest.tenant_id', $1, true)

-- Confines the rest of the transaction to one tenant's rows: the role that row-level security restricts,
-- and the tenant its policies compare with. Both end with the transaction (is_local), so a pooler hands
-- nothing on to the next client. $1 tenant id
SELECT set_config('role', 'ingest_tenant_reader', true), set_config('ingest.tenant_id', $1, true)

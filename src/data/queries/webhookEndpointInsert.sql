-- Adds a webhook endpoint for a tenant. $1 id, $2 tenant, $3 URL, $4 events, $5 secret
INSERT INTO webhook_endpoints (id, tenant_id, url, events, secret)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, tenant_id, url, events, created_at

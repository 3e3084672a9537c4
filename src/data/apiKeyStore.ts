import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  apiKeyInsert: sqlStatement('apiKeyInsert'),
  apiKeyFindByDigest: sqlStatement('apiKeyFindByDigest'),
  apiKeyTouch: sqlStatement('apiKeyTouch'),
  apiKeysList: sqlStatement('apiKeysList'),
  apiKeyRevoke: sqlStatement('apiKeyRevoke'),
};

/** A key's kind as stored (the CHECK constraint of api_keys lists the same three). */
export type StoredKeyKind = 'write' | 'read' | 'admin';

/** A key to store: its digest, never its text. */
export interface NewApiKey {
  id: string;
  kind: StoredKeyKind;
  tenantId: string | null;
  name: string;
  digest: Buffer;
  hint: string;
  lifetimeSeconds: number | null;
  requestsPerSecond: number | null;
  eventsPerSecond: number | null;
  /** The origins it may be used from; null: any. */
  allowedOrigins: string[] | null;
}

/** Stores a key; returns when it was created and when it expires (null: never). */
export async function apiKeyInsert(
  pool: Pool,
  key: NewApiKey,
): Promise<{ createdAt: Date; expiresAt: Date | null }> {
  const { rows } = await pool.query<{ created_at: Date; expires_at: Date | null }>({
    ...statements.apiKeyInsert,
    values: [
      key.id,
      key.kind,
      key.tenantId,
      key.name,
      key.digest,
      key.hint,
      key.lifetimeSeconds,
      key.requestsPerSecond,
      key.eventsPerSecond,
      key.allowedOrigins,
    ],
  });
  return { createdAt: rows[0]!.created_at, expiresAt: rows[0]!.expires_at };
}

/** A stored key as a request's authentication needs it. */
export interface StoredApiKey {
  id: string;
  kind: StoredKeyKind;
  tenantId: string | null;
  requestsPerSecond: number | null;
  eventsPerSecond: number | null;
  /** The origins it may be used from; null: any. */
  allowedOrigins: string[] | null;
  /** Neither revoked nor expired, on the database clock. */
  usable: boolean;
}

/** The key with this digest, or undefined. */
export async function apiKeyFindByDigest(pool: Pool, digest: Buffer): Promise<StoredApiKey | undefined> {
  const { rows } = await pool.query<{
    id: string;
    kind: StoredKeyKind;
    tenant_id: string | null;
    rate_limit_rps: number | null;
    rate_limit_eps: number | null;
    allowed_origins: string[] | null;
    usable: boolean;
  }>({ ...statements.apiKeyFindByDigest, values: [digest] });
  const row = rows[0];
  return (
    row && {
      id: row.id,
      kind: row.kind,
      tenantId: row.tenant_id,
      requestsPerSecond: row.rate_limit_rps,
      eventsPerSecond: row.rate_limit_eps,
      allowedOrigins: row.allowed_origins,
      usable: row.usable,
    }
  );
}

/** Sets the key's last-used time unless it was set less than a minute ago. */
export async function apiKeyTouch(pool: Pool, id: string): Promise<void> {
  await pool.query({ ...statements.apiKeyTouch, values: [id] });
}

/** A key as the CLI lists it. */
export interface ApiKeyListing {
  id: string;
  kind: StoredKeyKind;
  tenantId: string | null;
  name: string;
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  requestsPerSecond: number | null;
  eventsPerSecond: number | null;
  allowedOrigins: string[] | null;
}

/** Every key, or one tenant's, newest first. */
export async function apiKeysList(pool: Pool, tenantId: string | undefined): Promise<ApiKeyListing[]> {
  const { rows } = await pool.query<{
    id: string;
    kind: StoredKeyKind;
    tenant_id: string | null;
    name: string;
    hint: string;
    created_at: Date;
    last_used_at: Date | null;
    expires_at: Date | null;
    revoked_at: Date | null;
    rate_limit_rps: number | null;
    rate_limit_eps: number | null;
    allowed_origins: string[] | null;
  }>({ ...statements.apiKeysList, values: [tenantId ?? null] });
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    tenantId: row.tenant_id,
    name: row.name,
    hint: row.hint,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    requestsPerSecond: row.rate_limit_rps,
    eventsPerSecond: row.rate_limit_eps,
    allowedOrigins: row.allowed_origins,
  }));
}

/** Revokes the key with this id or digest; undefined when there is none. */
export async function apiKeyRevoke(
  pool: Pool,
  by: { id: string } | { digest: Buffer },
): Promise<
  { id: string; kind: StoredKeyKind; tenantId: string | null; name: string; revokedAt: Date } | undefined
> {
  const { rows } = await pool.query<{
    id: string;
    kind: StoredKeyKind;
    tenant_id: string | null;
    name: string;
    revoked_at: Date;
  }>({
    ...statements.apiKeyRevoke,
    values: ['id' in by ? by.id : null, 'digest' in by ? by.digest : null],
  });
  const row = rows[0];
  return (
    row && { id: row.id, kind: row.kind, tenantId: row.tenant_id, name: row.name, revokedAt: row.revoked_at }
  );
}

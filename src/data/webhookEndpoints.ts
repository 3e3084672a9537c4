import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

// Run unprepared, like the admin statements: they run seldom, from the admin API and the CLI.
const statements = {
  insert: sqlStatement('webhookEndpointInsert').text,
  list: sqlStatement('webhookEndpointsList').text,
  delete: sqlStatement('webhookEndpointDelete').text,
  rotate: sqlStatement('webhookEndpointRotate').text,
  enable: sqlStatement('webhookEndpointEnable').text,
};

/** The events an endpoint can take. */
export const webhookEvents = ['ingestion.succeeded', 'ingestion.failed'] as const;

/** One of {@link webhookEvents}. */
export type WebhookEvent = (typeof webhookEvents)[number];

/** A webhook endpoint as it is listed: never its secret. */
export interface WebhookEndpoint {
  id: string;
  tenantId: string;
  url: string;
  events: WebhookEvent[];
  createdAt: Date;
  rotatedAt: Date | null;
  /** Until when the secret replaced by the last rotation still signs; null when none does. */
  previousSecretUntil: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  /** Messages waiting to be delivered (at most 10,000 are counted). */
  pending: number;
}

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  events: WebhookEvent[];
  created_at: Date;
  rotated_at: Date | null;
  previous_secret_until: Date | null;
  disabled_at: Date | null;
  disabled_reason: string | null;
  pending: number;
}

/** Stores a new endpoint. */
export async function webhookEndpointInsert(
  pool: Pool,
  endpoint: { id: string; tenantId: string; url: string; events: readonly WebhookEvent[]; secret: string },
): Promise<{ createdAt: Date }> {
  const { rows } = await pool.query<{ created_at: Date }>(statements.insert, [
    endpoint.id,
    endpoint.tenantId,
    endpoint.url,
    endpoint.events,
    endpoint.secret,
  ]);
  return { createdAt: rows[0]!.created_at };
}

/** The endpoints of one tenant, or of all (undefined), newest first. */
export async function webhookEndpointsList(pool: Pool, tenantId?: string): Promise<WebhookEndpoint[]> {
  const { rows } = await pool.query<EndpointRow>(statements.list, [tenantId ?? null]);
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    url: row.url,
    events: row.events,
    createdAt: row.created_at,
    rotatedAt: row.rotated_at,
    previousSecretUntil:
      row.previous_secret_until && row.previous_secret_until > new Date() ? row.previous_secret_until : null,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    pending: row.pending,
  }));
}

/** Deletes an endpoint and gives up its waiting messages; false when there is none with this id. */
export async function webhookEndpointDelete(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(statements.delete, [id]);
  return (rowCount ?? 0) > 0;
}

/**
 * Gives an endpoint a new secret; the old one keeps signing for `overlapSeconds`. Returns until when, or
 * undefined when there is no endpoint with this id.
 */
export async function webhookEndpointRotate(
  pool: Pool,
  id: string,
  secret: string,
  overlapSeconds: number,
): Promise<{ previousSecretUntil: Date } | undefined> {
  const { rows } = await pool.query<{ previous_secret_until: Date }>(statements.rotate, [
    id,
    secret,
    overlapSeconds,
  ]);
  return rows[0] && { previousSecretUntil: rows[0].previous_secret_until };
}

/**
 * Turns a disabled endpoint back on: messages are written for it again for jobs that finish from now on.
 * False when there is no endpoint with this id; an endpoint that is on stays on.
 */
export async function webhookEndpointEnable(pool: Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(statements.enable, [id]);
  return (rowCount ?? 0) > 0;
}

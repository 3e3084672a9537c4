import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  apiInstanceAnnounce: sqlStatement('apiInstanceAnnounce'),
  tenantsPendingEvents: sqlStatement('tenantsPendingEvents'),
};

/** The channel API processes announce themselves on (see apiInstanceAnnounce.sql). */
export const apiInstancesChannel = 'ingest_api_instances';

/** Announces that the API process `id` is alive, or with `stopping`, that it is going away. */
export async function apiInstanceAnnounce(pool: Pool, id: string, stopping = false): Promise<void> {
  await pool.query({ ...statements.apiInstanceAnnounce, values: [stopping ? `-${id}` : id] });
}

/** Events of jobs not yet processed (Pending or Processing), per tenant that has any. */
export async function tenantsPendingEvents(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ tenant_id: string; events: number }>(statements.tenantsPendingEvents);
  return new Map(rows.map((row) => [row.tenant_id, row.events]));
}

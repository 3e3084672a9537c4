import type pg from 'pg';
import { sqlStatement } from './sql.js';

const statements = {
  find: sqlStatement('tenantReadProtectionFind'),
  ensure: sqlStatement('tenantReadProtectionEnsure').text,
  ready: sqlStatement('tenantReadProtectionTableFind').text,
};

/** What row-level security a tenant's reads get on a connection's role (see tenantReadProtectionFind.sql). */
export interface TenantReadProtectionState {
  /** The role ingest_tenant_reader exists with its grants and its policies on the three tables. */
  present: boolean;
  /** This connection's role may become ingest_tenant_reader. */
  member: boolean;
  /** The migrator has seen everything in place on this database once: it must stay so. */
  required: boolean;
}

/**
 * How a tenant's reads run: `confined` by row-level security; `unconfined`, with the tenant set but not
 * the role, where the migrator could never create or grant it (a warning at start, docs/security.md);
 * `lost` where the database had the protection and no longer has it (a restore into another server
 * without the role): such reads are refused until the migrator has run again.
 */
export type TenantReadMode = 'confined' | 'unconfined' | 'lost';

/** The mode a state gives. */
export function tenantReadMode(state: TenantReadProtectionState): TenantReadMode {
  if (state.present && state.member) return 'confined';
  return state.required && !state.present ? 'lost' : 'unconfined';
}

/** Reads the state on one connection or pool. */
export async function tenantReadProtectionFind(
  db: Pick<pg.ClientBase, 'query'>,
): Promise<TenantReadProtectionState> {
  const { rows } = await db.query<TenantReadProtectionState>(statements.find);
  return rows[0]!;
}

/**
 * Recreates what is missing of the protection (the role, its membership, grants and policies) and
 * records that the database has it, when this role may; returns the state before and after, or
 * undefined when the schema is not migrated far enough to have it. Run by the migrator inside its
 * transaction, after the migrations.
 */
export async function tenantReadProtectionEnsure(
  client: pg.ClientBase,
): Promise<{ before: TenantReadProtectionState; after: TenantReadProtectionState } | undefined> {
  // A schema migrated only part of the way (tests build old schemas to upgrade them) has nothing to ensure.
  const { rows } = await client.query<{ ready: boolean }>(statements.ready);
  if (!rows[0]!.ready) return undefined;
  const before = await tenantReadProtectionFind(client);
  if (before.present && before.member && before.required) return { before, after: before };
  await client.query(statements.ensure);
  return { before, after: await tenantReadProtectionFind(client) };
}

/** A tenant's read refused because the database lost the row-level security that confines it. */
export class TenantReadsUnprotectedError extends Error {
  override name = 'TenantReadsUnprotectedError';
  constructor() {
    super(
      "Refusing a tenant's read: this database had row-level security for tenant reads (the role " +
        'ingest_tenant_reader, its grants and policies) and no longer has it, as after restoring a dump into ' +
        'another server. Run the migrations (npm run migrate, or node dist/entry/migrate.js) as a role that ' +
        'may create roles and owns the tables; they recreate it, and reads resume within seconds ' +
        '(docs/backup.md).',
    );
  }
}

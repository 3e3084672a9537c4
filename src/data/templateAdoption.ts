import type pg from 'pg';
import { eventTypeKey } from '../domain/eventTypeKey.js';
import { uncoveredDays } from '../domain/partitionPlan.js';
import { partitionCreateIn, partitionsList } from './partitionStore.js';
import { sqlStatement } from './sql.js';

// Run once in a database's life, inside the migration transaction: sent unnamed.
const statements = {
  schemaFind: sqlStatement('templateSchemaFind').text,
  migrationsFind: sqlStatement('templateMigrationsFind').text,
  tablesRename: sqlStatement('templateTablesRename').text,
  eventTypesFind: sqlStatement('templateEventTypesFind').text,
  eventDaysFind: sqlStatement('templateEventDaysFind').text,
  jobsCopy: sqlStatement('templateJobsCopy').text,
  keysCopy: sqlStatement('templateKeysCopy').text,
  eventsCopy: sqlStatement('templateEventsCopy').text,
  resultsCopy: sqlStatement('templateResultsCopy').text,
};

/** The EF Core migration that created the .NET template's schema: the only one this adoption knows. */
export const templateMigrationId = '202408150001_InitialCreate';

/** The attempt limit adopted jobs get (the template kept none per job; its MAX_ATTEMPTS default). */
export const adoptedMaxAttempts = 5;

/** What adopting the template's database carried over. */
export interface TemplateAdoption {
  jobs: number;
  events: number;
  results: number;
  /** The template's tables, renamed and kept until an operator drops them. */
  keptTables: string[];
}

/**
 * Whether the database is the .NET template's, not yet adopted: its EF Core history and its jobs table,
 * and no migration ledger of ours. A template schema this build does not know (a later EF migration) is
 * refused with what to do rather than guessed at.
 */
export async function templateSchemaDetect(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ is_template: boolean }>(statements.schemaFind);
  if (!rows[0]?.is_template) return false;
  const { rows: migrations } = await client.query<{ id: string }>(statements.migrationsFind);
  const unknown = migrations.map((row) => row.id).filter((id) => id !== templateMigrationId);
  if (unknown.length > 0) {
    throw new Error(
      `This database was created by the .NET template and has EF Core migrations this service does not ` +
        `know how to adopt (${unknown.join(', ')}); it adopts the template's ${templateMigrationId} schema ` +
        'only. Point the service at a new database, or see docs/upgrading.md.',
    );
  }
  return true;
}

/** Moves the template's tables aside (data and all) so the service's migrations can create its own. */
export async function templateTablesRename(client: pg.ClientBase): Promise<void> {
  await client.query(statements.tablesRename);
}

/**
 * Copies the template's jobs, events and results into the service's tables, after its migrations ran.
 * Grouping keys are computed here, by the same function as for new events, one per distinct type.
 */
export async function templateDataCopy(client: pg.ClientBase): Promise<TemplateAdoption> {
  const { rows: types } = await client.query<{ type: string }>(statements.eventTypesFind);
  const names = types.map((row) => row.type);
  const keys = names.map(eventTypeKey);
  const jobs = await client.query(statements.jobsCopy, [adoptedMaxAttempts]);
  await client.query(statements.keysCopy);
  // Events are stored in their job's day: a job stamped beyond the week of partitions the migrations
  // made (or any day no partition covers) gets its day's partition first.
  const { rows: days } = await client.query<{ day: Date }>(statements.eventDaysFind);
  const partitions = await partitionsList(client);
  for (const partition of uncoveredDays(
    partitions,
    days.map((row) => row.day),
  )) {
    await partitionCreateIn(client, partition);
  }
  const events = await client.query(statements.eventsCopy, [names, keys]);
  const results = await client.query(statements.resultsCopy, [names, keys]);
  return {
    jobs: jobs.rowCount ?? 0,
    events: events.rowCount ?? 0,
    results: results.rowCount ?? 0,
    keptTables: [
      'dotnet_template_ingestion_jobs',
      'dotnet_template_raw_events',
      'dotnet_template_ingestion_results',
    ],
  };
}

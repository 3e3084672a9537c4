// Where the benchmark runs: BENCH_DATABASE_URL, else a fresh database on the machine's PostgreSQL at
// 127.0.0.1:5432 (created and dropped per run), else an embedded PostgreSQL started from the build.
import pg from 'pg';
import { parseConnectionString, type DatabaseConfig } from '../src/config/connectionString.js';
import { postgresAnswers } from '../src/embedded/embeddedPostgres.js';
import { buildDir } from './buildService.js';

export interface BenchDatabase {
  url: string;
  /** Where it runs, for the log. */
  source: string;
  /** Where it runs, for the report: the kind of server, without this run's names. */
  description: string;
  /** Removes what the run created (the whole database when the bench created it). */
  dispose(): Promise<void>;
}

const machineUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
const machine = parseConnectionString(machineUrl) as DatabaseConfig;

async function freshDatabaseOn(serverUrl: string, source: string): Promise<BenchDatabase> {
  const name = `ingest_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    source: `${source}, database ${name} (dropped at the end)`,
    description: `${source}, a fresh database`,
    async dispose() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function openBenchDatabase(): Promise<BenchDatabase> {
  const given = process.env.BENCH_DATABASE_URL;
  if (given) {
    return {
      url: given,
      source: 'BENCH_DATABASE_URL (tables truncated between workloads)',
      description: 'BENCH_DATABASE_URL',
      async dispose() {
        const client = new pg.Client({ connectionString: given });
        await client.connect();
        await client.query('DROP TABLE IF EXISTS bare_queue; DROP SCHEMA IF EXISTS graphile_worker CASCADE');
        await client.query(
          'TRUNCATE ingestion_jobs, ingestion_idempotency_keys, raw_events, ingestion_results',
        );
        await client.end();
      },
    };
  }
  if (await postgresAnswers(machine))
    return freshDatabaseOn(machineUrl, 'PostgreSQL on the same machine (127.0.0.1:5432)');
  const { startEmbeddedPostgres } = (await import(
    `${buildDir}/embedded/embeddedPostgres.js`
  )) as typeof import('../src/embedded/embeddedPostgres.js');
  const server = await startEmbeddedPostgres('.data/bench-postgres');
  const { host, port } = server.database;
  const db = await freshDatabaseOn(
    `postgres://postgres@${host}:${port}/postgres`,
    'embedded PostgreSQL on the same machine',
  );
  return {
    ...db,
    async dispose() {
      await db.dispose();
      await server.stop();
    },
  };
}

/**
 * Empties the service's tables between workloads so each starts from the same state: the state of a
 * freshly migrated database, with no statistics, and a checkpoint just taken so that no run pays for
 * the previous run's dirty pages.
 *
 * No VACUUM ANALYZE here: on empty tables it records "0 rows", and each API connection then caches a
 * sequential scan for the foreign-key check of raw_events, one scan of ingestion_jobs per stored event.
 * That cut ingest 3.5x in this bench (372 against 1,253 requests/s). A deployed service does not
 * normally get there: autovacuum analyzes a table only after rows in it change.
 */
export async function resetTables(client: pg.Client): Promise<void> {
  await client.query('TRUNCATE ingestion_jobs, ingestion_idempotency_keys, raw_events, ingestion_results');
  await client.query('CHECKPOINT');
}

/** Pending + Processing jobs, read through the partial indexes. */
export async function backlog(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM ingestion_jobs WHERE status = 'Pending')
           + (SELECT count(*) FROM ingestion_jobs WHERE status = 'Processing'))::int AS n`,
  );
  return rows[0]!.n;
}

/** Inserts `count` pending one-event jobs straight into the tables, as the API would store them. */
export async function insertOneEventJobs(client: pg.Client, count: number): Promise<void> {
  await client.query(
    `WITH job AS (
       INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
       SELECT gen_random_uuid(), 'bench', 5, 1 FROM generate_series(1, $1)
       RETURNING id, created_at
     )
     INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
     SELECT id, 1, 'Page_Viewed', 'page_viewed', now(), '{"page":"/products/12345","n":1}', created_at
     FROM job`,
    [count],
  );
  await client.query('VACUUM ANALYZE ingestion_jobs, raw_events');
}

// The churn workload's history (issue 13 part 4): a database of its own holding N finished jobs, each
// with one event and one result, as months of a service's work would leave them. Filled set-based in
// chunks, then vacuumed and analyzed as autovacuum eventually would. Kept apart from the bench's main
// database so no other workload sees these rows.
import pg from 'pg';
import { startApi } from './serviceProcesses.js';

export interface ChurnDatabase {
  url: string;
  name: string;
  /** Seconds the fill took (0 when a kept database was reused). */
  fillSeconds: number;
  /** 'v4' (random) or 'v7' (time-ordered): what the service's API gives new jobs, and so the history. */
  idVersion: string;
  /** Where the history ends: jobs created later are the workload's own. */
  filledUpTo: Date;
  reused: boolean;
  dispose(): Promise<void>;
}

/** The history spans this many days before the fill, so it stays within the default retention (30). */
export const historyDays = 28;
const chunkJobs = 250_000;
const payload =
  '{"n": 1, "page": "/products/12345", "session": "s-4f9a2c", "referrer": "https://example.com/search?q=running+shoes"}';

const log = (message: string) => process.stderr.write(`  [churn] ${message}\n`);

/** A database name next to `url`'s. */
function urlFor(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * The id version the service's API gives a job, read from a job posted through it (and deleted):
 * the history is then made with ids as the service would have made them.
 */
async function serviceIdVersion(url: string): Promise<string> {
  const api = await startApi(url);
  try {
    const response = await fetch(`${api.url}/v1/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId: 'churn-probe',
        events: [{ type: 'probe', timestamp: new Date().toISOString(), payload: {} }],
      }),
    });
    const { jobId } = (await response.json()) as { jobId: string };
    await withClient(url, async (client) => {
      await client.query('DELETE FROM raw_events WHERE job_id = $1', [jobId]);
      await client.query('DELETE FROM ingestion_jobs WHERE id = $1', [jobId]);
    });
    return `v${jobId[14]}`;
  } finally {
    await api.stop();
  }
}

/** The SQL expression for a job id created at `t`, of the given version. */
export function idExpression(idVersion: string, t: string): string {
  if (idVersion !== 'v7') return 'gen_random_uuid()';
  // RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits with version 7 and variant 10.
  // The random uuid gives the variant and version 4 (0100); bits 52 and 53 turn 0100 into 0111.
  return `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
            placing substring(int8send((extract(epoch FROM ${t}) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
            52, 1), 53, 1), 'hex')::uuid`;
}

async function columnsOf(client: pg.Client, table: string): Promise<Set<string>> {
  const { rows } = await client.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_name = $1',
    [table],
  );
  return new Set(rows.map((row) => row.column_name));
}

/**
 * Day partitions of raw_events for the history's days, named and bounded as the service names them
 * (migration 007: raw_events_pYYYYMMDD, UTC days), as a service running through those days would have
 * made them. Migration 007's catch-all for the days before the upgrade (raw_events_before_…) is empty in a
 * new database and would otherwise take the whole history in one partition: it goes.
 */
async function historyPartitions(client: pg.Client, from: Date, to: Date): Promise<void> {
  const { rows } = await client.query<{ partition: string; empty: boolean }>(
    `SELECT c.relname AS partition, NOT EXISTS (SELECT 1 FROM raw_events) AS empty
     FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'raw_events'::regclass AND c.relname LIKE 'raw\\_events\\_before\\_%'`,
  );
  for (const { partition, empty } of rows) if (empty) await client.query(`DROP TABLE ${partition}`);
  const { rows: partitioned } = await client.query<{ yes: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'raw_events'::regclass) AS yes`,
  );
  if (!partitioned[0]!.yes) return;
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  for (; day <= to; day.setUTCDate(day.getUTCDate() + 1)) {
    const next = new Date(day);
    next.setUTCDate(next.getUTCDate() + 1);
    const name = `raw_events_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF raw_events
       FOR VALUES FROM ('${day.toISOString()}') TO ('${next.toISOString()}')`,
    );
  }
}

/** Inserts `jobs` finished jobs created over the `historyDays` before `end`, oldest first. */
async function fill(client: pg.Client, jobs: number, idVersion: string, end: Date): Promise<void> {
  const span = historyDays * 86_400;
  const start = new Date(end.getTime() - span * 1000);
  await historyPartitions(client, start, end);
  const eventColumns = await columnsOf(client, 'raw_events');
  const accepted = eventColumns.has('accepted_at');
  // Session settings that change how fast the history is written, not what it is: the rows are
  // consistent by construction (foreign keys unchecked for them), and a crash during the fill only
  // means filling again.
  await client.query("SET session_replication_role = 'replica'");
  await client.query('SET synchronous_commit = off');
  await client.query("SET maintenance_work_mem = '256MB'");
  const t = `($3::timestamptz + make_interval(secs => $4::float8 * i / $2::float8))`;
  const statement = `
    WITH job AS (
      INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, available_at,
                                  created_at, updated_at, processed_at, attempted_at, attempts)
      SELECT ${idExpression(idVersion, t)}, CASE WHEN i % 10 = 0 THEN 'bench' ELSE 'tenant-' || i % 10 END,
             'Succeeded', 1, 5, 1, ${t}, ${t}, ${t} + interval '40 ms', ${t} + interval '40 ms',
             ${t} + interval '20 ms',
             jsonb_build_array(jsonb_build_object('attempt', 1, 'startedAt', ${t} + interval '20 ms',
               'endedAt', ${t} + interval '40 ms', 'worker', 'history/1/0a1b2c3d', 'outcome', 'succeeded',
               'error', NULL))
      FROM generate_series($1::bigint, least($1::bigint + ${chunkJobs} - 1, $2::bigint - 1)) AS i
      ORDER BY i
      RETURNING id, created_at
    ),
    events AS (
      INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload${accepted ? ', accepted_at' : ''})
      SELECT id, 1, 'page_viewed', 'PAGE_VIEWED', created_at, '${payload}'::jsonb${accepted ? ', created_at' : ''}
      FROM job
    )
    INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
    SELECT id, 'page_viewed', 'PAGE_VIEWED', 1, created_at, created_at FROM job`;
  const began = performance.now();
  for (let from = 0; from < jobs; from += chunkJobs) {
    await client.query(statement, [from, jobs, start.toISOString(), span]);
    const done = Math.min(from + chunkJobs, jobs);
    const seconds = (performance.now() - began) / 1000;
    log(
      `filled ${done.toLocaleString('en-US')} of ${jobs.toLocaleString('en-US')} jobs in ${seconds.toFixed(0)} s`,
    );
  }
  await client.query("SET session_replication_role = 'origin'");
  log('VACUUM ANALYZE of the history');
  await client.query('VACUUM ANALYZE ingestion_jobs, raw_events, ingestion_results');
  await client.query('CHECKPOINT');
}

/**
 * Opens the churn database next to the bench's `benchUrl`: filled with `jobs` finished jobs, or, with
 * `keep`, a database a previous `--churn-keep` run filled with as many jobs of the same schema. `ids`
 * ('v4' or 'v7') overrides the id version the service's API makes, to compare the two.
 */
export async function openChurnDatabase(
  benchUrl: string,
  options: { jobs: number; keep: boolean; ids?: string | undefined },
): Promise<ChurnDatabase> {
  const server = urlFor(benchUrl, 'postgres');
  const name = options.keep
    ? `ingest_bench_churn_kept${options.ids ? `_${options.ids}` : ''}`
    : `ingest_bench_churn_${process.pid}`;
  const url = urlFor(benchUrl, name);
  const marker = await withClient(server, async (admin) => {
    const { rows } = await admin.query<{ marker: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database WHERE datname = $1`,
      [name],
    );
    return rows[0]?.marker ?? undefined;
  });
  const dispose = async () => {
    if (options.keep) return;
    await withClient(server, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
  // The API migrates at start; a kept database is brought to this build's schema the same way.
  const probed = marker === undefined ? undefined : await serviceIdVersion(url).catch(() => undefined);
  const idVersion = probed && (options.ids ?? probed);
  const migrations = async () =>
    withClient(url, async (client) => {
      const { rows } = await client.query<{ v: string }>(
        "SELECT string_agg(version::text, ',' ORDER BY version) AS v FROM schema_migrations",
      );
      return rows[0]!.v;
    });
  if (marker !== undefined && idVersion !== undefined) {
    const [jobs, version, schema, filledUpTo] = marker.split(':');
    if (
      jobs === String(options.jobs) &&
      version === idVersion &&
      schema === (await migrations()) &&
      filledUpTo
    ) {
      log(`reusing ${name} (${marker})`);
      const filled = new Date(Number(filledUpTo));
      return { url, name, fillSeconds: 0, idVersion, filledUpTo: filled, reused: true, dispose };
    }
  }
  await withClient(server, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  // The API started here also migrates the new database.
  const serviceVersion = await serviceIdVersion(url);
  const version = options.ids ?? serviceVersion;
  const end = new Date();
  const began = performance.now();
  await withClient(url, (client) => fill(client, options.jobs, version, end));
  const fillSeconds = (performance.now() - began) / 1000;
  const description = `${options.jobs}:${version}:${await migrations()}:${end.getTime()}`;
  await withClient(server, (admin) => admin.query(`COMMENT ON DATABASE ${name} IS '${description}'`));
  return { url, name, fillSeconds, idVersion: version, filledUpTo: end, reused: false, dispose };
}

// `npx tsx bench/adminQueries.ts [--jobs=1000000]`: how fast the admin list and overview, and a tenant's
// own job list (GET /v1/ingestions), answer with a million jobs. Fills the jobs table with one INSERT … SELECT generate_series (30 days of jobs across
// 1,000 tenants: mostly Succeeded, 2 % Failed, 1 % Pending, one event each with a payload), then times
// the admin endpoints over real HTTP against the API as it ships. Prints median and worst of 15 calls.
import { parseConnectionString, type DatabaseConfig } from '../src/config/connectionString.js';
import { migrateDatabase } from '../src/data/migrate.js';
import { createPool } from '../src/data/pool.js';
import { sqlStatement } from '../src/data/sql.js';
import { inTenantScope } from '../src/data/tenantReads.js';
import { listenAdminApp } from './adminApp.js';
import { openBenchDatabase } from './benchDatabase.js';

const jobs = Number(process.argv.find((arg) => arg.startsWith('--jobs='))?.slice(7) ?? 1_000_000);
// --keep leaves the filled database in place (its URL is printed); BENCH_DATABASE_URL=<that URL> with
// --no-fill times the endpoints again without filling.
const keep = process.argv.includes('--keep');
const fill = !process.argv.includes('--no-fill');
const log = (message: string) => process.stderr.write(`[admin bench] ${message}\n`);

const database = await openBenchDatabase();
const config = parseConnectionString(database.url) as DatabaseConfig;
const pool = createPool(config, { max: 10, applicationName: 'admin-bench', onIdleError: () => undefined });
try {
  await migrateDatabase(pool);
  if (fill) await fillJobs();
  if (keep) log(`keeping the database: ${database.url}`);

  const app = await listenAdminApp(pool);
  const { base } = app;

  const { rows: probe } = await pool.query<{ id: string; customer: number; day: string }>(
    `SELECT j.id, (e.payload -> 'customer' ->> 'id')::integer AS customer,
            to_char(j.created_at, 'YYYY-MM-DD') AS day
     FROM ingestion_jobs AS j JOIN raw_events AS e ON e.job_id = j.id
     WHERE j.created_at > now() - interval '2 hours' ORDER BY j.created_at DESC LIMIT 1`,
  );
  const sample = probe[0]!;
  const deep = await (async () => {
    let cursor = '';
    for (let page = 0; page < 20; page += 1) {
      const body = (await (await fetch(`${base}/admin/jobs?limit=200${cursor}`)).json()) as {
        nextCursor: string;
      };
      cursor = `&cursor=${body.nextCursor}`;
    }
    return cursor;
  })();
  const tenantDeep = async () => {
    let cursor = '';
    for (let page = 0; page < 3; page += 1) {
      const body = (await (
        await fetch(`${base}/v1/ingestions?tenantId=tenant-42&limit=200${cursor}`)
      ).json()) as { nextCursor: string };
      cursor = `&cursor=${body.nextCursor}`;
    }
    return cursor;
  };
  const tenDaysAgo = new Date(Date.now() - 10 * 86400_000);
  const cases: Array<[string, string]> = [
    ['overview', '/admin/overview'],
    ['list, every status', '/admin/jobs'],
    ['list, page 21 (after 4,000 rows)', `/admin/jobs?limit=200${deep}`],
    ['list, Failed', '/admin/jobs?status=Failed'],
    ['list, Pending', '/admin/jobs?status=Pending'],
    ['list, tenant', '/admin/jobs?tenant=tenant-42'],
    ['list, tenant + Failed', '/admin/jobs?tenant=tenant-42&status=Failed'],
    ['list, Failed + error text (last 24 h)', '/admin/jobs?status=Failed&error=call%20999'],
    ['list, error text, every status (last 24 h)', '/admin/jobs?error=timeout'],
    [
      'list, one day 10 days ago',
      `/admin/jobs?from=${tenDaysAgo.toISOString()}&to=${new Date(tenDaysAgo.getTime() + 86400_000).toISOString()}`,
    ],
    [
      'list, payload (last hour)',
      `/admin/jobs?payload=${encodeURIComponent(`customer.id=${sample.customer}`)}`,
    ],
    ['list, payload, no match (last hour)', `/admin/jobs?payload=${encodeURIComponent('customer.id=-1')}`],
    [
      'list, payload, no match (24 h)',
      `/admin/jobs?payload=${encodeURIComponent('customer.id=-1')}&from=${new Date(Date.now() - 86400_000 + 60_000).toISOString()}`,
    ],
    [
      'list, tenant + payload, no match (24 h)',
      `/admin/jobs?tenant=tenant-42&payload=${encodeURIComponent('customer.id=-1')}&from=${new Date(Date.now() - 86400_000 + 60_000).toISOString()}`,
    ],
    ['one job', `/admin/jobs/${sample.id}`],
    // A tenant's own list reads through row-level security as a read key's does (AUTH_MODE=none names
    // the tenant in the query instead of the key; the statement and the scope are the same).
    ['tenant list (GET /v1/ingestions)', '/v1/ingestions?tenantId=tenant-42'],
    ['tenant list, 200 rows', '/v1/ingestions?tenantId=tenant-42&limit=200'],
    [
      'tenant list, page 4 (after 600 rows)',
      `/v1/ingestions?tenantId=tenant-42&limit=200${await tenantDeep()}`,
    ],
    ['tenant list, Failed', '/v1/ingestions?tenantId=tenant-42&status=Failed'],
    ['tenant list, Pending,Processing', '/v1/ingestions?tenantId=tenant-42&status=Pending,Processing'],
    [
      'tenant list, one day 10 days ago',
      `/v1/ingestions?tenantId=tenant-42&from=${tenDaysAgo.toISOString()}&to=${new Date(tenDaysAgo.getTime() + 86400_000).toISOString()}`,
    ],
    ['tenant list, unknown tenant', '/v1/ingestions?tenantId=nobody'],
  ];
  const results: Array<{ case: string; medianMs: number; worstMs: number; rows: number }> = [];
  for (const [name, path] of cases) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 15; i += 1) {
      const start = performance.now();
      const response = await fetch(`${base}${path}`);
      const body = (await response.json()) as { jobs?: unknown[] };
      times.push(performance.now() - start);
      if (!response.ok) throw new Error(`${name}: ${response.status} ${JSON.stringify(body)}`);
      rows = body.jobs?.length ?? 1;
    }
    times.sort((a, b) => a - b);
    results.push({ case: name, medianMs: +times[7]!.toFixed(1), worstMs: +times[14]!.toFixed(1), rows });
  }
  const { rows: sizes } = await pool.query(
    `SELECT indexrelname AS index, pg_size_pretty(pg_relation_size(indexrelid)) AS size
     FROM pg_stat_user_indexes WHERE relname LIKE 'ingestion\\_jobs%' ORDER BY indexrelname`,
  );
  const tenantPlan = await tenantListPlan();
  await app.close();
  console.log(`${jobs.toLocaleString()} jobs, ${database.source}`);
  console.table(results);
  console.table(sizes);
  console.log(
    `tenant list, a page of tenant-42 after 800 jobs, as the prepared statement's generic plan:\n${tenantPlan}`,
  );
} finally {
  await pool.end().catch(() => undefined);
  if (!keep) await database.dispose();
}

/**
 * The plan of the tenant list's statement as a read key runs it: in the tenant's scope (the role that
 * row-level security restricts), with the one generic plan a prepared statement keeps, and the buffers
 * it touched.
 */
async function tenantListPlan(): Promise<string> {
  const parameterTypes = 'text, text[], timestamptz, timestamptz, timestamptz, uuid, integer';
  return inTenantScope(pool, 'tenant-42', async (client) => {
    await client.query("SET LOCAL plan_cache_mode = 'force_generic_plan'");
    await client.query(
      `PREPARE tenant_list (${parameterTypes}) AS ${sqlStatement('jobsListForTenant').text}`,
    );
    // A page deep in the tenant's history: its cursor is the 800th newest job's.
    const { rows: deepest } = await client.query<{ created_key: string; id: string }>(
      `SELECT created_at::text AS created_key, id FROM ingestion_jobs WHERE tenant_id = 'tenant-42'
       ORDER BY created_at DESC, id DESC OFFSET 799 LIMIT 1`,
    );
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE tenant_list('tenant-42', " +
        `'{Pending,Processing,Succeeded,Failed}', '-infinity', 'infinity', ` +
        `${client.escapeLiteral(deepest[0]!.created_key)}, ${client.escapeLiteral(deepest[0]!.id)}, 51)`,
    );
    await client.query('DEALLOCATE tenant_list');
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

/** Empties the tables and fills them with `jobs` jobs of one event each, then vacuums and analyzes. */
async function fillJobs(): Promise<void> {
  await pool.query('TRUNCATE ingestion_jobs, raw_events, ingestion_results');
  log(`filling ${jobs.toLocaleString()} jobs`);
  let started = Date.now();
  await pool.query(
    `WITH filled AS (
       INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, error,
                                   created_at, updated_at, processed_at, available_at, attempts)
       SELECT gen_random_uuid(), 'tenant-' || (i % 1000),
              CASE WHEN i % 100 = 0 THEN 'Pending' WHEN i % 50 = 1 THEN 'Failed' ELSE 'Succeeded' END,
              CASE WHEN i % 100 = 0 THEN 0 WHEN i % 50 = 1 THEN 5 ELSE 1 END, 5, 1,
              CASE WHEN i % 50 = 1 THEN 'upstream timeout after 30 s (call ' || i || ')' END,
              t, t, CASE WHEN i % 100 = 0 THEN NULL ELSE t + interval '2 seconds' END, t,
              CASE WHEN i % 100 = 0 THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
                'attempt', 1, 'startedAt', t, 'endedAt', t + interval '2 seconds', 'worker', 'bench/1',
                'outcome', CASE WHEN i % 50 = 1 THEN 'failed' ELSE 'succeeded' END, 'error', NULL)) END
       FROM generate_series(1, $1::integer) AS i,
            LATERAL (SELECT now() - interval '30 days' * (1 - i::float8 / $1) AS t) AS at
       RETURNING id, created_at
     )
     INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
     SELECT id, 1, 'clicked', 'clicked', created_at,
            jsonb_build_object('customer', jsonb_build_object('id', (random() * 100000)::integer), 'page', '/home'),
            created_at
     FROM filled`,
    [jobs],
  );
  log(`filled in ${((Date.now() - started) / 1000).toFixed(1)} s; VACUUM ANALYZE`);
  started = Date.now();
  await pool.query('VACUUM ANALYZE ingestion_jobs');
  await pool.query('VACUUM ANALYZE raw_events');
  log(`vacuumed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// `npx tsx bench/operateQueries.ts [--jobs=10000000] [--tenants=100000]`: how fast the operators' views
// answer at scale: the overview with its 24-hour and 7-day history, the tenant list, the workers. Fills
// the jobs table set-based (28 days of finished jobs spread over the tenants: 97.5 % Succeeded, 2 %
// Failed, 0.5 % cancelled, with times from acceptance to finish between 20 ms and a few seconds; then a
// backlog: 5 Pending jobs for each of a fifth of the tenants, one tenant with 200,000, 50 paused tenants
// among them, 100 Processing jobs, 20 worker processes), times the first maintenance pass (which rolls
// up the 7 days of history), then times each view over real HTTP against the API as it ships: median and
// worst of 15 calls, and alone the two reads the API shares between requests (the tenant ranking, the
// hourly history), which it pays once per period. `--keep` keeps the database (its URL is printed);
// `BENCH_DATABASE_URL=<it> --no-fill` times again without filling.
import pg from 'pg';
import { parseConnectionString, type DatabaseConfig } from '../src/config/connectionString.js';
import { finishedHoursRead, historyHours } from '../src/data/jobHistory.js';
import { tenantsByBacklog } from '../src/data/tenantStats.js';
import { migrateDatabase } from '../src/data/migrate.js';
import { createPool } from '../src/data/pool.js';
import { maintenanceDefaults, runMaintenancePass } from '../src/maintenance/maintenancePass.js';
import { listenAdminApp } from './adminApp.js';
import { openBenchDatabase } from './benchDatabase.js';
import { idExpression } from './churnFill.js';

const option = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const jobs = option('jobs', 10_000_000);
const tenants = option('tenants', 100_000);
const keep = process.argv.includes('--keep');
const fill = !process.argv.includes('--no-fill');
const chunk = 1_000_000;
const log = (message: string) => process.stderr.write(`[operate bench] ${message}\n`);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

const database = await openBenchDatabase();
const config = parseConnectionString(database.url) as DatabaseConfig;
const pool = createPool(config, { max: 10, applicationName: 'operate-bench', onIdleError: () => undefined });
try {
  await migrateDatabase(pool);
  if (fill) await fillDatabase();
  if (keep) log(`keeping the database: ${database.url}`);
  if (process.argv.includes('--fill-only')) process.exit(0);

  await pool.query('DELETE FROM finished_jobs_hourly');
  const live = await timed(3, async () => (await finishedHoursRead(pool, historyHours)).length);
  log(`history read from the jobs alone (before any rollup): median ${live.medianMs} ms`);
  const passPool = createPool(config, {
    max: 2,
    applicationName: 'operate-bench',
    onIdleError: () => undefined,
  });
  const started = performance.now();
  const report = await runMaintenancePass(passPool, {
    ...maintenanceDefaults,
    rawEventRetentionDays: 0,
    jobRetentionDays: 0,
  });
  await passPool.end();
  log(`first maintenance pass: ${seconds(started)} s, ${report.hoursRolledUp} hours rolled up`);

  const app = await listenAdminApp(pool);
  const { base } = app;
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    const body = (await response.json()) as { nextCursor?: string | null; tenants?: unknown[] };
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  /** The cursor after `pages` pages of the tenant list (of `query`). */
  const after = async (pages: number, query = '') => {
    let cursor = '';
    for (let page = 0; page < pages; page += 1) {
      const body = await get(`/admin/tenants?limit=200${query}${cursor}`);
      cursor = `&cursor=${body.nextCursor}`;
    }
    return cursor;
  };
  const withBacklog = Math.floor(tenants / 5);
  const cases: Array<[string, string]> = [
    ['overview (counts, last hour, 24 h, 7 days)', '/admin/overview'],
    ['tenants, first page (50)', '/admin/tenants'],
    ['tenants, page 51 of those with a backlog (200 a page)', `/admin/tenants?limit=200${await after(50)}`],
    [
      'tenants, first page without a backlog',
      `/admin/tenants?limit=200${await after(Math.ceil((withBacklog + 1) / 200))}`,
    ],
    ['tenants, deep among those without a backlog', `/admin/tenants?limit=200${await after(300)}`],
    ['tenants, paused only', '/admin/tenants?paused=true'],
    ['tenants, one tenant', '/admin/tenants?tenant=tenant-flood'],
    ['workers', '/admin/workers'],
  ];
  const results = [];
  for (const [name, path] of cases) {
    const times = await timed(15, () => get(path));
    results.push({ case: name, ...times });
  }
  // What the API shares between requests, read every time here: the cost it pays once per period.
  results.push({
    case: 'the ranking by backlog alone (an API reads it once per 5 s)',
    ...(await timed(15, () => tenantsByBacklog(pool))),
  });
  results.push({
    case: 'the 168 hours of history alone, after the rollup (once per 10 s)',
    ...(await timed(15, () => finishedHoursRead(pool, historyHours))),
  });
  await app.close();
  console.log(
    `${jobs.toLocaleString('en-US')} finished jobs, ${tenants.toLocaleString('en-US')} tenants, ${database.source}`,
  );
  console.table(results);
} finally {
  await pool.end().catch(() => undefined);
  if (!keep) await database.dispose();
}

/** Runs `call` `times` times; median and worst in ms. */
async function timed(times: number, call: () => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const start = performance.now();
    await call();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return { medianMs: +ms[Math.floor(times / 2)]!.toFixed(1), worstMs: +ms[times - 1]!.toFixed(1) };
}

/** Fills the tables as the header says, then vacuums and analyzes them. */
async function fillDatabase(): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(
      'TRUNCATE ingestion_jobs, raw_events, ingestion_results, worker_processes, tenant_pauses',
    );
    await client.query('SET synchronous_commit = off');
    const t = `(now() - interval '28 days' + interval '28 days' * (i::float8 / $3))`;
    const began = performance.now();
    for (let from = 0; from < jobs; from += chunk) {
      // Jobs without events: no view timed here reads them.
      await client.query(
        `INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, error,
                                     available_at, created_at, updated_at, processed_at, attempted_at,
                                     cancelled_at)
         SELECT ${idExpression('v7', t)}, 'tenant-' || lpad(((i * 7919) % $4)::text, 6, '0'),
                CASE WHEN r < 0.975 THEN 'Succeeded' ELSE 'Failed' END, 1, 5, 1,
                CASE WHEN r >= 0.98 THEN 'upstream timeout (call ' || i || ')'
                     WHEN r >= 0.975 THEN 'cancelled by an operator' END,
                ${t}, ${t}, ${t} + d, ${t} + d, ${t},
                CASE WHEN r >= 0.975 AND r < 0.98 THEN ${t} + d END
         FROM generate_series($1::bigint, $2::bigint - 1) AS i,
              -- i in each expression: without it the planner computes the row once for the whole statement.
              LATERAL (SELECT random() + 0 * i AS r, interval '1 second' * (0.02 + 3 * random() ^ 4 + 0 * i) AS d) AS x`,
        [from, Math.min(from + chunk, jobs), jobs, tenants],
      );
      log(
        `filled ${Math.min(from + chunk, jobs).toLocaleString('en-US')} finished jobs in ${seconds(began)} s`,
      );
    }
    await client.query(
      `INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count, created_at, available_at)
       SELECT gen_random_uuid(), 'tenant-' || lpad(((i / 5) * 5)::text, 6, '0'), 5, 1, c, c
       FROM generate_series(0, $1::integer * 5 - 1) AS i,
            LATERAL (SELECT now() - interval '1 hour' * (random() + 0 * i) AS c) AS x;
       INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count, created_at, available_at)
       SELECT gen_random_uuid(), 'tenant-flood', 5, 1, c, c
       FROM generate_series(1, 200000) AS i, LATERAL (SELECT now() - interval '2 hours' * (random() + 0 * i) AS c) AS x;
       UPDATE ingestion_jobs SET status = 'Processing', attempt = 1, locked_by = 'bench/' || (random() * 20)::integer,
              locked_until = now() + interval '1 hour', attempted_at = now()
       WHERE id IN (SELECT id FROM ingestion_jobs WHERE status = 'Pending' AND tenant_id <> 'tenant-flood' LIMIT 100);
       INSERT INTO tenant_pauses (tenant_id)
       SELECT 'tenant-flood' UNION ALL SELECT 'tenant-' || lpad((i * 1000)::text, 6, '0') FROM generate_series(1, 49) AS i;
       INSERT INTO worker_processes (id, host, pid, version, started_at, concurrency, jobs_in_hand,
                                     heartbeat_at, announce_seconds)
       SELECT 'bench/' || i, 'bench-host', 1000 + i, '0.1.0', now() - interval '1 day', 2, 5, now(), 5
       FROM generate_series(0, 19) AS i`.replace(/\$1::integer/g, String(Math.floor(tenants / 5))),
    );
    log(`backlog stored; VACUUM ANALYZE`);
    await client.query('VACUUM ANALYZE ingestion_jobs, tenant_pauses, worker_processes');
    log(`filled and vacuumed in ${seconds(began)} s`);
  } finally {
    await client.end();
  }
}

// Takes the dashboard screenshots in docs/ (PNG): the overview with a day of history, the tenants, the
// workers, the job list and a job held back by a pause. It runs the service as it ships (an API and two
// worker processes, the workers with the test processor so that some jobs stay Processing), in a database
// of its own next to DATABASE_URL's (created, then dropped), fills a week of finished jobs, a few
// backlogs and a paused tenant, kills a third worker so one shows as gone, and drives Chromium through
// playwright-core as the browser tests do.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx scripts/screenshots.ts
import pg from 'pg';
import { chromium } from 'playwright-core';
import { parseConnectionString, type DatabaseConfig } from '../src/config/connectionString.js';
import { createPool } from '../src/data/pool.js';
import { maintenanceDefaults, runMaintenancePass } from '../src/maintenance/maintenancePass.js';
import { chromiumPath } from '../test/support/chromium.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../test/support/processes.js';
import { processorWorkerEnv } from '../test/support/testProcessor.js';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl)
  throw new Error('Set DATABASE_URL to a PostgreSQL server this script may create a database on.');
const name = `ingest_screenshots_${process.pid}`;
const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
const log = (message: string) => process.stderr.write(`[screenshots] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(statement);
  await client.end();
}

/** A week of finished jobs over 24 tenants, with two bad hours of failures this morning. */
async function fill(pool: pg.Pool): Promise<void> {
  await pool.query(
    `INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, error, available_at,
                                 created_at, updated_at, processed_at, attempted_at, cancelled_at)
     SELECT gen_random_uuid(), t.tenant, CASE WHEN x.fails THEN 'Failed' ELSE 'Succeeded' END, 1, 5, 12,
            CASE WHEN x.fails THEN 'upstream timeout after 30 s' END, c, c, c + d, c + d, c, NULL
     FROM generate_series(1, 60000) AS i,
          LATERAL (SELECT now() - interval '7 days' * (i::float8 / 60000) ^ 0.8 AS c,
                          interval '1 second' * (0.05 + 2 * random() ^ 6 + 0 * i) AS d) AS at,
          LATERAL (SELECT (array['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell',
                                 'cyberdyne', 'wonka', 'soylent', 'oscorp', 'aperture', 'vandelay', 'monarch',
                                 'dunder', 'pied-piper', 'massive', 'gringotts', 'nakatomi', 'virtucon',
                                 'sirius', 'duff', 'krusty'])[1 + (i * 7) % 24] AS tenant) AS t,
          LATERAL (SELECT random() < CASE WHEN at.c BETWEEN now() - interval '11 hours'
                                               AND now() - interval '9 hours' THEN 0.3 ELSE 0.01 END
                          AND i > 0 AS fails) AS x`,
  );
  await pool.query('VACUUM ANALYZE ingestion_jobs');
}

/**
 * Backlogs, submitted through the API while processing is paused (so the ids are the service's own), then
 * set to wait out a retry so the workers leave them for the screenshots; one tenant paused.
 */
async function backlogs(base: string, pool: pg.Pool): Promise<void> {
  await fetch(`${base}/admin/processing/pause`, { method: 'POST' });
  for (const [tenant, count] of [
    ['globex', 120],
    ['initech', 40],
    ['hooli', 12],
    ['stark', 5],
    ['acme', 60],
  ] as const)
    for (let i = 0; i < count; i += 1) await submit(base, tenant);
  await pool.query(
    `UPDATE ingestion_jobs SET attempt = 1, error = 'upstream timeout after 30 s',
            available_at = now() + interval '10 minutes'
     WHERE status = 'Pending' AND tenant_id <> 'acme'`,
  );
  await fetch(`${base}/admin/tenants/acme/pause`, { method: 'POST' });
  await fetch(`${base}/admin/processing/resume`, { method: 'POST' });
}

async function submit(base: string, tenantId: string): Promise<string> {
  const response = await fetch(`${base}/v1/ingestions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantId,
      events: [{ type: 'page_viewed', timestamp: new Date().toISOString() }],
    }),
  });
  return ((await response.json()) as { jobId: string }).jobId;
}

await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin(`CREATE DATABASE ${name}`);
const services: ServiceProcess[] = [];
try {
  const port = await freePort();
  const env = { DATABASE_URL: databaseUrl, HOST: '127.0.0.1' };
  const api = startProcess('src/entry/api.ts', { ...env, PORT: String(port) });
  services.push(api);
  await waitForOutput(api, /API listening/, 120_000);
  const base = `http://127.0.0.1:${port}`;
  const workers = [0, 1, 2].map(() => startProcess('src/entry/worker.ts', processorWorkerEnv(env)));
  services.push(...workers);
  await Promise.all(workers.map((worker) => waitForOutput(worker, /worker started/, 120_000)));

  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  log('filling a week of jobs');
  await fill(pool);
  const passPool = createPool(parseConnectionString(databaseUrl) as DatabaseConfig, {
    max: 2,
    applicationName: 'screenshots',
    onIdleError: () => undefined,
  });
  const report = await runMaintenancePass(passPool, {
    ...maintenanceDefaults,
    rawEventRetentionDays: 30,
    jobRetentionDays: 30,
  });
  await passPool.end();
  log(`maintenance pass rolled up ${report.hoursRolledUp} hours`);
  await backlogs(base, pool);
  for (let i = 0; i < 3; i += 1) await submit(base, 'slow');
  for (let i = 0; i < 40; i += 1) await submit(base, ['globex', 'wayne', 'tyrell', 'duff'][i % 4]!);
  const held = await submit(base, 'acme');
  // One worker killed: the workers page shows it gone, its slow job still leased to it.
  workers[2]!.child.kill('SIGKILL');
  await sleep(25_000);
  await pool.end();

  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('No chromium on PATH: apt-get install -y chromium');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const shots: Array<[string, string]> = [
    ['docs/dashboard.png', '/ui?range=day'],
    ['docs/dashboard-tenants.png', '/ui/tenants'],
    ['docs/dashboard-workers.png', '/ui/workers'],
    ['docs/dashboard-jobs.png', '/ui/jobs?status=Pending&tenant=globex'],
    ['docs/dashboard-job.png', `/ui/jobs/${held}`],
  ];
  for (const [file, path] of shots) {
    await page.goto(`${base}${path}`);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.screenshot({ path: file, fullPage: false });
    log(`wrote ${file}`);
  }
  await browser.close();
} finally {
  await Promise.all(services.map((service) => service.stop()));
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

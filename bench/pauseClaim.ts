// `npx tsx bench/pauseClaim.ts [--pairs=3] [--jobs=20000]`: what pausing costs the claim. One worker
// process (default settings) drains `jobs` pending one-event jobs; jobs/s from its start to the last
// completion, and CPU of the worker and its PostgreSQL backends per 1,000 jobs. Alternating runs:
//   1. one tenant: the claim of this build against the claim before pauses (bench/baselines/);
//   2. the same jobs spread over 200 tenants: the same two claims (shares and fill both at work);
//   3. this build's claim, one tenant draining while a paused tenant holds 200,000 older due jobs,
//      against the same drain without them: what a paused backlog costs everyone else.
// Before them, the claim statement alone, both variants prepared on one connection, alternating.
// Prints medians and each pair's ratio. Runs on the compiled build, like `npm run bench`.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { buildService, buildVariant } from './buildService.js';
import { openBenchDatabase, resetTables } from './benchDatabase.js';
import { backendCpuSeconds, cpuSeconds } from './processCpu.js';
import { startWorker } from './serviceProcesses.js';

const option = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const pairs = option('pairs', 3);
const jobs = option('jobs', 20_000);
const log = (message: string) => process.stderr.write(`[pause bench] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Setup {
  tenants: number;
  pausedBacklog: number;
}

/** Stores the jobs to drain (tenants 'drain-0' …) and, when asked, a paused tenant's older backlog. */
async function prepare(client: pg.Client, setup: Setup): Promise<void> {
  await resetTables(client);
  await client.query('TRUNCATE tenant_pauses, processing_pauses');
  if (setup.pausedBacklog > 0) {
    await client.query(
      `INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count, created_at, available_at)
       SELECT gen_random_uuid(), 'paused-flood', 5, 1, now() - interval '1 hour', now() - interval '1 hour'
       FROM generate_series(1, $1::integer)`,
      [setup.pausedBacklog],
    );
    await client.query(`INSERT INTO tenant_pauses (tenant_id) VALUES ('paused-flood')`);
  }
  await client.query(
    `WITH job AS (
       INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
       SELECT gen_random_uuid(), 'drain-' || (i % $2), 5, 1 FROM generate_series(1, $1::integer) AS i
       RETURNING id, created_at
     )
     INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
     SELECT id, 1, 'Page_Viewed', 'page_viewed', now(), '{"page":"/products/12345","n":1}', created_at FROM job`,
    [jobs, setup.tenants],
  );
  await client.query('VACUUM ANALYZE ingestion_jobs, raw_events');
}

async function drain(databaseUrl: string, client: pg.Client, setup: Setup, dist: string | undefined) {
  await prepare(client, setup);
  const worker = await startWorker(databaseUrl, {}, dist);
  const started = performance.now();
  const workerCpu = cpuSeconds(worker.pid);
  const backendsBefore = await backendCpuSeconds(client, 'ingest-worker');
  try {
    for (;;) {
      // One probe of the tenant index: the paused backlog is not read by the bench either.
      const { rows } = await client.query<{ left: boolean }>(
        `SELECT EXISTS (SELECT FROM ingestion_jobs WHERE status IN ('Pending', 'Processing')
                        AND tenant_id >= 'drain-' AND tenant_id < 'drain.') AS left`,
      );
      if (!rows[0]!.left) break;
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    let cpu = cpuSeconds(worker.pid) - workerCpu;
    for (const [pid, used] of await backendCpuSeconds(client, 'ingest-worker'))
      cpu += used - (backendsBefore.get(pid) ?? 0);
    return { jobsPerSec: jobs / seconds, cpuMsPerThousand: (cpu * 1e6) / jobs };
  } finally {
    await worker.stop();
  }
}

/**
 * The claim statement alone, this build's against the one before pauses, alternating: `rounds` rounds of
 * claim 50 jobs (one tenant) and mark them Succeeded, each variant prepared once; medians in ms.
 */
async function statementRounds(client: pg.Client, rounds: number) {
  await prepare(client, { tenants: 1, pausedBacklog: 0 });
  const text = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
  const variants = {
    before: { name: 'claim_before', text: text('./baselines/jobsClaimBeforePause.sql'), ms: [] as number[] },
    now: { name: 'claim_now', text: text('../src/data/queries/jobsClaim.sql'), ms: [] as number[] },
  };
  for (let i = 0; i < rounds; i += 1) {
    for (const variant of i % 2 === 0 ? [variants.before, variants.now] : [variants.now, variants.before]) {
      const started = performance.now();
      const { rows } = await client.query<{ id: string }>({
        name: variant.name,
        text: variant.text,
        values: ['bench-claimer', 50, 30, ''],
      });
      variant.ms.push(performance.now() - started);
      await client.query(
        `UPDATE ingestion_jobs SET status = 'Succeeded', processed_at = now(), locked_by = NULL
         WHERE id = ANY ($1::uuid[]) AND status IN ('Pending', 'Processing')`,
        [rows.map((row) => row.id)],
      );
    }
  }
  return { beforeMs: median(variants.before.ms), nowMs: median(variants.now.ms) };
}

log('compiling the service');
buildService();
const before = buildVariant('claim-before-pauses', 'jobsClaim', 'jobsClaimBeforePause.sql');
const database = await openBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
const scenarios: Array<{
  name: string;
  a: [string, Setup, string | undefined];
  b: [string, Setup, string | undefined];
}> = [
  {
    name: `${jobs} jobs, one tenant`,
    a: ['claim before pauses', { tenants: 1, pausedBacklog: 0 }, before],
    b: ['this claim', { tenants: 1, pausedBacklog: 0 }, undefined],
  },
  {
    name: `${jobs} jobs over 200 tenants`,
    a: ['claim before pauses', { tenants: 200, pausedBacklog: 0 }, before],
    b: ['this claim', { tenants: 200, pausedBacklog: 0 }, undefined],
  },
  {
    name: `${jobs} jobs, one tenant, and a paused tenant's 200,000 older jobs`,
    a: ['no paused backlog', { tenants: 1, pausedBacklog: 0 }, undefined],
    b: ['paused backlog', { tenants: 1, pausedBacklog: 200_000 }, undefined],
  },
];
try {
  // A worker of the build migrates the new database when it starts (the drains' workers do not).
  const migrate = await startWorker(database.url, { RUN_MIGRATIONS_ON_STARTUP: 'true' });
  await migrate.stop();
  await client.connect();
  const rows: Array<Record<string, string | number>> = [];
  const statement = await statementRounds(client, 150);
  rows.push({
    scenario: 'the claim statement alone: claim 50 of 20,000 jobs of one tenant, 150 rounds each',
    'claim before pauses, ms': +statement.beforeMs.toFixed(2),
    'this claim, ms': +statement.nowMs.toFixed(2),
  });
  for (const scenario of scenarios) {
    const a: Array<Awaited<ReturnType<typeof drain>>> = [];
    const b: typeof a = [];
    for (let i = 0; i < pairs; i += 1) {
      a.push(await drain(database.url, client, scenario.a[1], scenario.a[2]));
      b.push(await drain(database.url, client, scenario.b[1], scenario.b[2]));
      log(
        `${scenario.name}: pair ${i + 1}: ${a.at(-1)!.jobsPerSec.toFixed(0)} vs ${b.at(-1)!.jobsPerSec.toFixed(0)} jobs/s`,
      );
    }
    rows.push({
      scenario: scenario.name,
      [`${scenario.a[0]}, jobs/s`]: Math.round(median(a.map((r) => r.jobsPerSec))),
      [`${scenario.b[0]}, jobs/s`]: Math.round(median(b.map((r) => r.jobsPerSec))),
      'drain ratio per pair': a.map((r, i) => (b[i]!.jobsPerSec / r.jobsPerSec).toFixed(2)).join(' '),
      'CPU ms/1,000 jobs': `${median(a.map((r) => r.cpuMsPerThousand)).toFixed(0)} vs ${median(b.map((r) => r.cpuMsPerThousand)).toFixed(0)}`,
      'CPU ratio per pair': a
        .map((r, i) => (b[i]!.cpuMsPerThousand / r.cpuMsPerThousand).toFixed(2))
        .join(' '),
    });
  }
  console.log(`pause bench: ${pairs} alternating pairs, ${database.source}`);
  for (const row of rows) console.log(JSON.stringify(row));
} finally {
  await client.end().catch(() => undefined);
  await database.dispose();
}

// What the completion's check of a job's events costs: jobsSucceed.sql as it is against the statement of
// an earlier revision (one that completed a job on whatever events it found), on one database, in
// alternating blocks of 25 completions of 50 one-event jobs (the drain's jobs), in PostgreSQL backend
// CPU from /proc: steadier than time on a shared machine. Not a part of `npm run bench`: a probe.
//   npx tsx bench/completionCheckProbe.ts <baseline git revision> [completions per statement=1200]
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { jobsClaim } from '../src/data/jobQueue.js';
import { createPool } from '../src/data/pool.js';
import { sqlStatement } from '../src/data/sql.js';
import { migrateDatabase } from '../src/data/migrate.js';
import { parseConnectionString, type DatabaseConfig } from '../src/config/connectionString.js';
import { openBenchDatabase } from './benchDatabase.js';
import { cpuSeconds } from './processCpu.js';

const baseline = process.argv[2];
if (!baseline)
  throw new Error('usage: npx tsx bench/completionCheckProbe.ts <baseline git revision> [count]');
const count = Number(process.argv[3] ?? 1200);
const batch = 50;
const block = 25;
const texts: Record<string, string> = {
  baseline: execFileSync('git', ['show', `${baseline}:src/data/queries/jobsSucceed.sql`], {
    encoding: 'utf8',
  }),
  checked: sqlStatement('jobsSucceed').text,
};

const database = await openBenchDatabase();
const pool = createPool(parseConnectionString(database.url) as DatabaseConfig, {
  max: 2,
  applicationName: 'completion-probe',
  onIdleError: () => undefined,
});
const client = new pg.Client({ connectionString: database.url });
try {
  await migrateDatabase(pool);
  await pool.query(
    `WITH job AS (
       INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
       SELECT gen_random_uuid(), 't' || (g % 4), 5, 1 FROM generate_series(1, $1) AS g RETURNING id, created_at
     )
     INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
     SELECT id, 1, 'clicked', 'CLICKED', created_at, '{"a": 1}', created_at FROM job`,
    [2 * count * batch + 20_000],
  );
  await pool.query('VACUUM ANALYZE');
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const totals = { baseline: { cpu: 0, ms: 0, n: 0 }, checked: { cpu: 0, ms: 0, n: 0 } };
  for (let b = 0; b < (2 * count) / block; b += 1) {
    // baseline, checked, checked, baseline, …: neither always goes first.
    const which = b % 4 === 0 || b % 4 === 3 ? 'baseline' : 'checked';
    const claims: string[][] = [];
    for (let i = 0; i < block; i += 1)
      claims.push((await jobsClaim(pool, 'probe', batch, 60)).map((j) => j.id));
    const cpu = cpuSeconds(pid);
    const started = performance.now();
    for (const ids of claims) {
      await client.query({ name: `succeed-${which}`, text: texts[which]!, values: ['probe', ids] });
    }
    // The first block of each warms its prepared statement up.
    if (b >= 2) {
      totals[which].cpu += cpuSeconds(pid) - cpu;
      totals[which].ms += performance.now() - started;
      totals[which].n += block;
    }
  }
  for (const [which, total] of Object.entries(totals)) {
    console.log(
      `${which}: ${total.n} completions of ${batch} jobs: backend CPU ${((total.cpu * 1000) / total.n).toFixed(2)} ms, ` +
        `time ${(total.ms / total.n).toFixed(2)} ms each`,
    );
  }
} finally {
  await client.end().catch(() => undefined);
  await pool.end();
  await database.dispose();
}

// What the fair claim's index (migration 006) costs each stored job, in PostgreSQL CPU: steadier on a
// shared machine than requests/s (bench/ingestIndexCost.ts). Inserts jobs with their events in one
// statement (INSERT … RETURNING feeding INSERT … SELECT, as insertOneEventJobs does; not the API's own
// statement), 40 statements per run, 1-event jobs (1,000 a statement) and 100-event jobs (100 a
// statement), with and without the index, alternating; reads the backend's CPU from /proc (the
// database must run on this machine).
//   npx tsx bench/indexInsertCpu.ts [runs=5]
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openBenchDatabase, resetTables } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { cpuSeconds } from './processCpu.js';
import { startApi } from './serviceProcesses.js';

const runs = Number(process.argv[2] ?? 5);
const createIndex = readFileSync(
  new URL('../src/data/migrations/006_fair_claim.sql', import.meta.url),
  'utf8',
);
const insert = (jobs: number, events: number) =>
  `WITH job AS (
     INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
     SELECT gen_random_uuid(), 'tenant-' || (i % 100), 5, ${events} FROM generate_series(1, ${jobs}) AS i
     RETURNING id, created_at
   )
   INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
   SELECT id, s, 'Page_Viewed', 'PAGE_VIEWED', now(), '{"page":"/products/12345","n":1}', created_at
   FROM job, generate_series(1, ${events}) AS s`;
const shapes = [
  { label: '1-event jobs', sql: insert(1000, 1), jobs: 1000 },
  { label: '100-event jobs', sql: insert(100, 100), jobs: 100 },
];

buildService();
const database = await openBenchDatabase();
// The API migrates at start: the schema, with the index.
await (await startApi(database.url)).stop();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
const perJob: Record<string, { with: number[]; without: number[] }> = {};
try {
  for (let i = 0; i < runs; i += 1) {
    for (const index of i % 2 === 0 ? [false, true] : [true, false]) {
      await resetTables(client);
      await client.query('DROP INDEX IF EXISTS ingestion_jobs_pending_tenant_idx');
      if (index) await client.query(createIndex);
      for (const shape of shapes) {
        const before = cpuSeconds(pid);
        for (let s = 0; s < 40; s += 1) await client.query(shape.sql);
        const side = (perJob[shape.label] ??= { with: [], without: [] });
        side[index ? 'with' : 'without'].push(((cpuSeconds(pid) - before) * 1e6) / (40 * shape.jobs));
      }
    }
  }
} finally {
  await client.end();
  await database.dispose();
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const list = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ');
for (const [label, side] of Object.entries(perJob)) {
  console.log(
    `${label}: PostgreSQL CPU µs per job without the index ${median(side.without).toFixed(1)} (${list(side.without)}), ` +
      `with ${median(side.with).toFixed(1)} (${list(side.with)})`,
  );
}

// Where the API's storage cost goes (issue 13.1), per event, in PostgreSQL backend CPU from /proc: the
// same jobs of 100 events (bench/batches.ts) stored `perStatement` jobs at a time, as the API's insert
// batcher groups them under load, by
//   api        the service's own jobInsertMany (src/data/ingestionStore.ts: jsonb parameter, binary)
//   no-notify  the same statement text without pg_notify, the events as a text parameter
//   unnest     jobs and events from typed arrays (uuid[], integer[], text[], timestamptz[], jsonb[])
//              instead of extracting them from one jsonb array (no idempotency keys: the probe's jobs
//              have none, and since migration 011 they live in a table of their own)
//   copy       BEGIN; COPY the jobs; COPY the events; COMMIT (no ON CONFLICT: idempotency keys would
//              need another way)
//   plain      one COPY of all the events into a plain table with one index (the workload's baseline)
// in rotating rounds. Not a part of `npm run bench`: a probe for choosing the statement.
// The statements run on `connections` connections at once (the API's API_INSERT_CONCURRENCY, 2 by
// default); the plain COPY runs on one.
//   npx tsx bench/storageStatementProbe.ts [rounds=3] [perStatement=16] [statements=200] [connections=2]
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parseConnectionString, type DatabaseConfig } from '../src/config/connectionString.js';
import { jobInsertMany, type NewJob } from '../src/data/ingestionStore.js';
import { createPool } from '../src/data/pool.js';
import { sqlStatement } from '../src/data/sql.js';
import { jobIdCreate } from '../src/domain/jobId.js';
import { eventAt } from './batches.js';
import { createPlainTable, dropPlainTable, plainTable } from './baselines/psqlCopy.js';
import { openBenchDatabase, resetTables } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { cpuSeconds } from './processCpu.js';
import { startApi } from './serviceProcesses.js';
import { median } from './workloads/metricsCost.js';

const rounds = Number(process.argv[2] ?? 3);
const perStatement = Number(process.argv[3] ?? 16);
const statements = Number(process.argv[4] ?? 200);
const connections = Number(process.argv[5] ?? 2);
const eventsPerJob = 100;

const events = Array.from({ length: eventsPerJob }, (_, i) => eventAt(i));
const eventsJson = JSON.stringify(
  events.map((e) => ({ t: e.type, k: e.type.toUpperCase(), ts: e.timestamp, p: e.payload })),
);
const newJob = (): NewJob => ({
  id: jobIdCreate(),
  tenantId: 'bench-tenant',
  maxAttempts: 5,
  eventCount: eventsPerJob,
  idempotencyKey: undefined,
  requestFingerprint: undefined,
  eventsJson,
});

// The service's own statement without its notification: derived from the shipped file, so it cannot drift
// from what the API runs.
const shipped = sqlStatement('jobInsertMany').text;
const noNotify = shipped.replace(
  "SELECT job.id, pg_notify('ingestion_jobs_created', '') FROM job",
  'SELECT job.id FROM job',
);
if (noNotify === shipped)
  throw new Error('jobInsertMany.sql no longer ends with its notification: update the probe');

const unnest = `WITH job AS (
  INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count, idempotency_key, request_fingerprint)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::integer[], $5::text[], $6::text[])
  RETURNING id, created_at
), stored_events AS (
  INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
  SELECT e.job_id, e.seq, e.type, e.type_key, e.occurred_at, e.payload, job.created_at
  FROM unnest($7::uuid[], $8::integer[], $9::text[], $10::text[], $11::timestamptz[], $12::jsonb[])
         AS e (job_id, seq, type, type_key, occurred_at, payload)
  JOIN job ON job.id = e.job_id
)
SELECT job.id, pg_notify('ingestion_jobs_created', '') FROM job`;

const jobParams = (jobs: NewJob[]) => [
  jobs.map((j) => j.id),
  jobs.map((j) => j.tenantId),
  jobs.map((j) => j.maxAttempts),
  jobs.map((j) => j.eventCount),
  jobs.map(() => null),
  jobs.map(() => null),
];

const payloads = events.map((e) => JSON.stringify(e.payload));
function unnestParams(jobs: NewJob[]) {
  const ids: string[] = [];
  const seqs: number[] = [];
  const types: string[] = [];
  const keys: string[] = [];
  const times: string[] = [];
  const bodies: string[] = [];
  for (const job of jobs) {
    events.forEach((e, i) => {
      ids.push(job.id);
      seqs.push(i + 1);
      types.push(e.type);
      keys.push(e.type.toUpperCase());
      times.push(e.timestamp);
      bodies.push(payloads[i]!);
    });
  }
  return [...jobParams(jobs), ids, seqs, types, keys, times, bodies];
}

const csvQuote = (text: string) => `"${text.replaceAll('"', '""')}"`;
function* eventCsv(jobs: NewJob[], acceptedAt: string) {
  for (const job of jobs) {
    let chunk = '';
    events.forEach((e, i) => {
      chunk += `${job.id},${i + 1},${e.type},${e.type.toUpperCase()},${e.timestamp},${csvQuote(payloads[i]!)},${acceptedAt}\n`;
    });
    yield chunk;
  }
}

type Variant = 'api' | 'no-notify' | 'unnest' | 'copy' | 'plain';
const variants: Variant[] = ['api', 'no-notify', 'unnest', 'copy', 'plain'];

buildService();
const database = await openBenchDatabase();
await (await startApi(database.url)).stop();
const admin = new pg.Client({ connectionString: database.url });
await admin.connect();
await createPlainTable(admin);
const pool = createPool(parseConnectionString(database.url) as DatabaseConfig, {
  max: connections,
  applicationName: 'storage-probe',
  onIdleError: () => undefined,
});
const results: Record<Variant, number[]> = { api: [], 'no-notify': [], unnest: [], copy: [], plain: [] };

/** Stores one statement's jobs the way `variant` does, on connection `c`. */
async function store(variant: Variant, c: pg.PoolClient, jobs: NewJob[]): Promise<void> {
  if (variant === 'no-notify')
    await c.query(noNotify, [
      ...jobParams(jobs),
      `[${jobs.map((j) => j.eventsJson).join(',')}]`,
      jobs.map(() => null),
    ]);
  else if (variant === 'unnest') await c.query(unnest, unnestParams(jobs));
  else if (variant === 'copy') {
    const acceptedAt = new Date().toISOString();
    await c.query('BEGIN');
    await pipeline(
      Readable.from(jobs.map((j) => `${j.id},bench-tenant,5,${eventsPerJob},${acceptedAt}\n`)),
      c.query(
        copyFrom(
          'COPY ingestion_jobs (id, tenant_id, max_attempts, event_count, created_at) FROM STDIN WITH (FORMAT csv)',
        ),
      ),
    );
    await pipeline(
      Readable.from(eventCsv(jobs, acceptedAt)),
      c.query(copyFrom('COPY raw_events FROM STDIN WITH (FORMAT csv)')),
    );
    await c.query("SELECT pg_notify('ingestion_jobs_created', '')");
    await c.query('COMMIT');
  }
}

async function run(variant: Variant): Promise<number> {
  await admin.query(`TRUNCATE ${plainTable}`);
  await resetTables(admin);
  const batches = Array.from({ length: statements }, () => Array.from({ length: perStatement }, newJob));
  // The pool's connections, held at once so that each is a backend of its own, which the run then uses.
  const held = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  const pids = await Promise.all(
    held.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid),
  );
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  let next = 0;
  const before = cpu();
  if (variant === 'api') {
    held.forEach((c) => c.release());
    await Promise.all(
      held.map(async () => {
        while (next < batches.length) await jobInsertMany(pool, batches[next++]!);
      }),
    );
  } else if (variant === 'plain') {
    const acceptedAt = new Date().toISOString();
    await pipeline(
      Readable.from(eventCsv(batches.flat(), acceptedAt)),
      held[0]!.query(copyFrom(`COPY ${plainTable} FROM STDIN WITH (FORMAT csv)`)),
    );
    held.forEach((c) => c.release());
  } else {
    await Promise.all(
      held.map(async (c) => {
        while (next < batches.length) await store(variant, c, batches[next++]!);
        c.release();
      }),
    );
  }
  const used = cpu() - before;
  const table = variant === 'plain' ? plainTable : 'raw_events';
  const stored = (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  if (stored !== statements * perStatement * eventsPerJob) throw new Error(`${variant} stored ${stored}`);
  return (used * 1e6) / stored;
}

try {
  for (let round = 0; round < rounds; round += 1) {
    const order = [...variants.slice(round % variants.length), ...variants.slice(0, round % variants.length)];
    for (const variant of order) {
      results[variant].push(await run(variant));
      process.stderr.write(
        `round ${round + 1} ${variant}: ${results[variant].at(-1)!.toFixed(2)} µs/event\n`,
      );
    }
  }
} finally {
  await pool.end();
  await dropPlainTable(admin);
  await admin.end();
  await database.dispose();
}
const plain = median(results.plain);
console.log(
  `${perStatement} jobs of ${eventsPerJob} events per statement, ${statements} statements on ${connections} connection(s), median of ${rounds}:`,
);
for (const variant of variants) {
  const us = median(results[variant]);
  console.log(
    `  ${variant.padEnd(9)} ${us.toFixed(2)} µs/event (${(us / plain).toFixed(2)}× plain; ${results[variant].map((v) => v.toFixed(2)).join(', ')})`,
  );
}

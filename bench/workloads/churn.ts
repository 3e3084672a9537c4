// Workload 9 (issue 13 part 4): a jobs table that stays fast while it churns. One worker process drains
// a batch of new one-event jobs (50,000 in the full run) from empty tables and from tables holding N finished jobs (each with its event
// and result: churnFill.ts), alternating empty, full, empty, … in one run. The full database is filled
// once; between its rounds only the drained jobs are deleted (and vacuumed away, as autovacuum would).
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { sqlStatement } from '../../src/data/sql.js';
import { jobIdCreate } from '../../src/domain/jobId.js';
import { backlog, resetTables } from '../benchDatabase.js';
import { openChurnDatabase } from '../churnFill.js';
import { backendCpuSeconds, cpuSeconds } from '../processCpu.js';
import { startWorker } from '../serviceProcesses.js';

export interface ChurnRun {
  tables: 'empty' | 'full';
  jobsPerSec: number;
  /** 1-minute load average when the drain started. */
  loadAverage: number;
  /** Shared-buffer hits and reads (misses: from the OS cache or disk) during the drain, per job. */
  hitsPerJob: number;
  readsPerJob: number;
  /** CPU of the worker's PostgreSQL backends and of the worker process, ms per 1,000 jobs. */
  databaseCpuMsPerThousand: number;
  workerCpuMsPerThousand: number;
}

export interface ChurnFigures {
  historyJobs: number;
  drainJobs: number;
  idVersion: string;
  fillSeconds: number;
  runs: ChurnRun[];
  /** The full database after the run: total and per table (heap, indexes). */
  databaseBytes: number;
  tables: Array<{ table: string; heapBytes: number; indexBytes: number; options: string }>;
  sharedBuffers: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const insertStatement = sqlStatement('jobInsertMany');

/**
 * Stores `count` pending one-event jobs with the service's own insert statement and ids made as the API
 * makes them, 500 per statement as the API's insert batcher would group a burst.
 */
export async function insertNewJobs(client: pg.Client, count: number, newId: () => string): Promise<void> {
  const event = JSON.stringify([
    {
      t: 'page_viewed',
      k: 'PAGE_VIEWED',
      ts: new Date().toISOString(),
      p: { page: '/products/12345', n: 1 },
    },
  ]);
  for (let done = 0; done < count; done += 500) {
    const n = Math.min(500, count - done);
    const ids = Array.from({ length: n }, newId);
    await client.query({
      name: insertStatement.name,
      text: insertStatement.text,
      values: [
        ids,
        Array<string>(n).fill('bench'),
        Array<number>(n).fill(5),
        Array<number>(n).fill(1),
        Array<null>(n).fill(null),
        Array<null>(n).fill(null),
        `[${Array<string>(n).fill(event).join(',')}]`,
        Array<null>(n).fill(null),
      ],
    });
  }
}

/**
 * Buffer hits and reads of this database's tables and indexes. (Not WAL: its position is the whole
 * cluster's, and other databases on a shared server write into it too.)
 */
async function counters(client: pg.Client) {
  const { rows } = await client.query<{ hits: string; reads: string }>(
    `SELECT sum(coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0) + coalesce(toast_blks_hit, 0))::text AS hits,
            sum(coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) + coalesce(toast_blks_read, 0))::text AS reads
     FROM pg_statio_user_tables`,
  );
  const row = rows[0]!;
  return { hits: Number(row.hits), reads: Number(row.reads) };
}

/** One drain of `jobs` new jobs by one worker process, timed from its "worker started" line. */
async function drainOnce(
  url: string,
  client: pg.Client,
  tables: 'empty' | 'full',
  jobs: number,
  newId: () => string,
): Promise<ChurnRun> {
  await client.query('CHECKPOINT');
  const { rows: clock } = await client.query<{ now: Date }>('SELECT now()');
  await insertNewJobs(client, jobs, newId);
  // As the drain workload does: the planner knows the new jobs, as autovacuum's ANALYZE would tell it.
  await client.query('VACUUM ANALYZE ingestion_jobs, raw_events');
  // Statistics reach the shared counters within a second of a transaction's end.
  await sleep(1100);
  const before = await counters(client);
  const loadAverage = loadavg()[0]!;
  const worker = await startWorker(url);
  const started = performance.now();
  const workerCpuBefore = cpuSeconds(worker.pid);
  // Backends the worker's pool opens during the drain start from nothing.
  const backendsBefore = await backendCpuSeconds(client, 'ingest-worker');
  let seconds: number;
  let databaseCpu = 0;
  let workerCpu: number;
  try {
    while ((await backlog(client)) > 0) await sleep(20);
    seconds = (performance.now() - started) / 1000;
    workerCpu = cpuSeconds(worker.pid) - workerCpuBefore;
    for (const [pid, cpu] of await backendCpuSeconds(client, 'ingest-worker'))
      databaseCpu += cpu - (backendsBefore.get(pid) ?? 0);
  } finally {
    await worker.stop();
  }
  await sleep(1100);
  const after = await counters(client);
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ingestion_results AS r JOIN ingestion_jobs AS j ON j.id = r.job_id
     WHERE j.tenant_id = 'bench' AND j.status = 'Succeeded' AND j.created_at >= $1`,
    [clock[0]!.now],
  );
  if (rows[0]!.n < jobs) throw new Error(`churn drain (${tables}) stored ${rows[0]!.n} results of ${jobs}`);
  return {
    tables,
    jobsPerSec: jobs / seconds,
    loadAverage,
    hitsPerJob: (after.hits - before.hits) / jobs,
    readsPerJob: (after.reads - before.reads) / jobs,
    databaseCpuMsPerThousand: (databaseCpu * 1e6) / jobs,
    workerCpuMsPerThousand: (workerCpu * 1e6) / jobs,
  };
}

/** Deletes the jobs created after the history (the drains'), their events and results, and vacuums. */
async function removeDrained(client: pg.Client, filledUpTo: Date): Promise<void> {
  const since = filledUpTo.toISOString();
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'raw_events' AND column_name = 'accepted_at'`,
  );
  const pruned = rows.length > 0 ? 'AND accepted_at > $1' : '';
  const drained = 'SELECT id FROM ingestion_jobs WHERE created_at > $1';
  await client.query(`DELETE FROM raw_events WHERE job_id IN (${drained}) ${pruned}`, [since]);
  await client.query(`DELETE FROM ingestion_results WHERE job_id IN (${drained})`, [since]);
  await client.query('DELETE FROM ingestion_jobs WHERE created_at > $1', [since]);
  await client.query('VACUUM ingestion_jobs, raw_events, ingestion_results');
}

async function sizes(client: pg.Client) {
  const { rows } = await client.query<{
    table: string;
    heap: string;
    indexes: string;
    options: string | null;
    database: string;
    shared_buffers: string;
  }>(
    `SELECT c.relname AS table,
            (pg_table_size(c.oid) + coalesce((SELECT sum(pg_table_size(i.inhrelid)) FROM pg_inherits AS i
                                              WHERE i.inhparent = c.oid), 0))::text AS heap,
            (pg_indexes_size(c.oid) + coalesce((SELECT sum(pg_indexes_size(i.inhrelid)) FROM pg_inherits AS i
                                                WHERE i.inhparent = c.oid), 0))::text AS indexes,
            coalesce(array_to_string(c.reloptions, ', '),
                     (SELECT string_agg(p.relname || ': ' || array_to_string(p.reloptions, ', '), '; ')
                      FROM pg_inherits AS i JOIN pg_class AS p ON p.oid = i.inhrelid
                      WHERE i.inhparent = c.oid AND p.reloptions IS NOT NULL)) AS options,
            pg_database_size(current_database())::text AS database,
            current_setting('shared_buffers') AS shared_buffers
     FROM pg_class AS c
     WHERE c.relname IN ('ingestion_jobs', 'raw_events', 'ingestion_results')
     ORDER BY c.relname`,
  );
  return {
    databaseBytes: Number(rows[0]!.database),
    sharedBuffers: rows[0]!.shared_buffers,
    tables: rows.map((row) => ({
      table: row.table,
      heapBytes: Number(row.heap),
      indexBytes: Number(row.indexes),
      options: row.options ?? '',
    })),
  };
}

export async function churnWorkload(
  emptyUrl: string,
  emptyClient: pg.Client,
  options: { historyJobs: number; drainJobs: number; rounds: number; keep: boolean; ids?: string },
): Promise<ChurnFigures> {
  const database = await openChurnDatabase(emptyUrl, {
    jobs: options.historyJobs,
    keep: options.keep,
    ids: options.ids,
  });
  const full = new pg.Client({ connectionString: database.url });
  await full.connect();
  try {
    // The ids the API gives new jobs: random (v4), or time-ordered (v7) once the service makes those.
    const newId = database.idVersion === 'v7' ? () => jobIdCreate() : randomUUID;
    await removeDrained(full, database.filledUpTo);
    const runs: ChurnRun[] = [];
    // empty, full, empty, full, …, empty: each full drain has an empty one on either side.
    for (let round = 0; round < options.rounds * 2 + 1; round += 1) {
      if (round % 2 === 0) {
        await resetTables(emptyClient);
        runs.push(await drainOnce(emptyUrl, emptyClient, 'empty', options.drainJobs, newId));
      } else {
        runs.push(await drainOnce(database.url, full, 'full', options.drainJobs, newId));
        await removeDrained(full, database.filledUpTo);
      }
      const last = runs.at(-1)!;
      process.stderr.write(
        `  [churn] ${last.tables}: ${last.jobsPerSec.toFixed(0)} jobs/s, load ${last.loadAverage.toFixed(2)}, ` +
          `buffer hits ${last.hitsPerJob.toFixed(1)}/job, reads ${last.readsPerJob.toFixed(2)}/job, ` +
          `CPU ms/1,000 jobs: database ${last.databaseCpuMsPerThousand.toFixed(0)}, worker ${last.workerCpuMsPerThousand.toFixed(0)}\n`,
      );
    }
    await resetTables(emptyClient);
    return {
      historyJobs: options.historyJobs,
      drainJobs: options.drainJobs,
      idVersion: database.idVersion,
      fillSeconds: database.fillSeconds,
      runs,
      ...(await sizes(full)),
    };
  } finally {
    await full.end();
    await database.dispose();
  }
}

/**
 * Each full round against the mean of the empty rounds on either side of it (drift on a shared machine
 * then hits both alike), and the median of those ratios: for jobs/s, and for the database's CPU per job
 * (full / empty: above 1 it costs more), which the machine's other load disturbs far less.
 */
export function churnSummary(figures: ChurnFigures) {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    return Number.isInteger(middle)
      ? (sorted[middle - 1]! + sorted[middle]!) / 2
      : sorted[Math.floor(middle)]!;
  };
  const pairs = figures.runs.flatMap((run, i) => {
    const [before, after] = [figures.runs[i - 1], figures.runs[i + 1]];
    if (run.tables !== 'full' || !before || !after) return [];
    const mean = (pick: (r: ChurnRun) => number) => (pick(before) + pick(after)) / 2;
    return [
      {
        speed: run.jobsPerSec / mean((r) => r.jobsPerSec),
        databaseCpu: run.databaseCpuMsPerThousand / mean((r) => r.databaseCpuMsPerThousand),
      },
    ];
  });
  const side = (tables: 'empty' | 'full') => figures.runs.filter((run) => run.tables === tables);
  return {
    empty: median(side('empty').map((run) => run.jobsPerSec)),
    full: median(side('full').map((run) => run.jobsPerSec)),
    ratio: median(pairs.map((pair) => pair.speed)),
    ratios: pairs.map((pair) => pair.speed),
    databaseCpuRatio: median(pairs.map((pair) => pair.databaseCpu)),
  };
}

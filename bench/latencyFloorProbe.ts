// The floor under the idle latency, with none of the worker's code: one process inserts one-event jobs
// with jobInsertMany.sql, a gap between them; another LISTENs on the jobs' channel and, on each
// notification, starts one statement on a second connection, as a worker's claim would. Every hop is
// timed against the one clock of this machine: the insert sent → its transaction's start (created_at)
// → the notification received → the next statement's start (its now()). Not a part of `npm run bench`:
// a probe. Compare "accepted → claimed" in the latency workload with "created → statement".
//   npx tsx bench/latencyFloorProbe.ts [jobs=200] [gap ms=25]
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openBenchDatabase, resetTables } from './benchDatabase.js';
import { percentile } from './workloads/latency.js';
import { startApi } from './serviceProcesses.js';

const warmUp = 20;
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[2] === '--listen') {
  // The listening side, in a process of its own as a worker is: prints one line of
  // [created_at, notification received, next statement's now()] per job, in ms since the epoch.
  const [, , , url, jobsArg] = process.argv;
  const listener = new pg.Client({ connectionString: url });
  const other = new pg.Client({ connectionString: url });
  await Promise.all([listener.connect(), other.connect()]);
  const hops: number[][] = [];
  listener.on('notification', (message) => {
    const received = epochMs();
    void other
      .query<{ created: number; started: number }>({
        name: 'hop',
        text: `SELECT (extract(epoch FROM created_at) * 1000)::float8 AS created,
                      (extract(epoch FROM now()) * 1000)::float8 AS started
               FROM ingestion_jobs WHERE id = $1`,
        values: [message.payload],
      })
      .then(async ({ rows }) => {
        hops.push([rows[0]!.created, received, rows[0]!.started]);
        if (hops.length === Number(jobsArg)) {
          process.stdout.write(`${JSON.stringify(hops)}\n`);
          await Promise.all([listener.end(), other.end()]);
        }
      });
  });
  await listener.query('LISTEN ingestion_jobs_created');
  process.stdout.write('listening\n');
} else {
  const jobs = Number(process.argv[2] ?? 200);
  const gapMs = Number(process.argv[3] ?? 25);
  const database = await openBenchDatabase();
  const client = new pg.Client({ connectionString: database.url });
  try {
    // The API migrates at start.
    await (await startApi(database.url)).stop();
    await client.connect();
    await resetTables(client);
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        new URL(import.meta.url).pathname,
        '--listen',
        database.url,
        String(jobs + warmUp),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!out.includes('listening\n')) await sleep(20);
    const insert = readFileSync(new URL('../src/data/queries/jobInsertMany.sql', import.meta.url), 'utf8');
    const sent: number[] = [];
    for (let n = 0; n < jobs + warmUp; n += 1) {
      const events = [[{ t: 'click', k: 'click', ts: new Date().toISOString(), p: { n } }]];
      sent.push(epochMs());
      await client.query({
        name: 'insert',
        text: insert,
        values: [[randomUUID()], ['probe'], [5], [1], [null], [null], JSON.stringify(events), [null]],
      });
      await sleep(gapMs);
    }
    await exited;
    const hops = JSON.parse(out.trim().split('\n').pop()!) as number[][];
    const median = (pick: (hop: number[], n: number) => number) =>
      percentile(
        hops
          .map((hop, n) => pick(hop, n))
          .slice(warmUp)
          .sort((a, b) => a - b),
        0.5,
      ).toFixed(2);
    process.stdout.write(
      `${jobs} jobs ${gapMs} ms apart, medians in ms: ` +
        `sent → created ${median((hop, n) => hop[0]! - sent[n]!)}, ` +
        `created → notified ${median((hop) => hop[1]! - hop[0]!)}, ` +
        `notified → statement ${median((hop) => hop[2]! - hop[1]!)}, ` +
        `created → statement ${median((hop) => hop[2]! - hop[0]!)}\n`,
    );
  } finally {
    await client.end();
    await database.dispose();
  }
}

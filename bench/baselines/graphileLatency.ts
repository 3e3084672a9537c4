// graphile-worker's idle latency, measured as the service's is: one job at a time on an idle system, a
// gap between them, each job's `created_at` (the database's clock, the adding transaction's start)
// to the moment its task starts running in the worker. Run as its own process:
//   tsx bench/baselines/graphileLatency.ts <url> <jobs> <gapMs> <concurrency>
// The jobs are added by a child process of this one (`--add`), through graphile_worker.add_job as
// WorkerUtils.addJob does, so adding never shares the runner's event loop, as the bench's HTTP client
// never shares the service's. Prints {"latenciesMs": […]} in the order the jobs were added.
import { spawn } from 'node:child_process';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowMs = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--add') {
  // The adding side: prints each job's created_at (milliseconds since the epoch, microsecond precision).
  const [, , , url, jobsArg, gapArg] = process.argv;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (let n = 0; n < Number(jobsArg); n += 1) {
    const { rows } = await client.query<{ created_ms: number }>(
      `SELECT (extract(epoch FROM created_at) * 1000)::float8 AS created_ms
       FROM graphile_worker.add_job('noop', json_build_object('n', $1::int))`,
      [n],
    );
    process.stdout.write(`${JSON.stringify({ n, createdMs: rows[0]!.created_ms })}\n`);
    await sleep(Number(gapArg));
  }
  await client.end();
} else {
  const [url, jobsArg, gapArg, concurrencyArg] = process.argv.slice(2);
  const jobs = Number(jobsArg);
  const logger = new Logger(() => () => undefined);
  const utils = await makeWorkerUtils({ connectionString: url!, logger });
  await utils.migrate();
  await utils.release();

  const startedMs = new Map<number, number>();
  let waiting: (() => void) | undefined;
  const runner = await run({
    connectionString: url!,
    concurrency: Number(concurrencyArg),
    noHandleSignals: true,
    // Only the fallback: jobs reach the idle runner through LISTEN/NOTIFY, as the service's do.
    pollInterval: 2000,
    logger,
    taskList: {
      noop: async (payload) => {
        startedMs.set((payload as { n: number }).n, nowMs());
        if (startedMs.size === jobs) waiting?.();
      },
    },
  });
  const done = new Promise<void>((resolve) => (waiting = resolve));
  const adder = spawn(
    process.execPath,
    [...process.execArgv, new URL(import.meta.url).pathname, '--add', url!, String(jobs), gapArg!],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  adder.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => adder.on('exit', resolve));
  await done;
  await runner.stop();
  const created = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { n: number; createdMs: number });
  const latenciesMs = created.map(({ n, createdMs }) => startedMs.get(n)! - createdMs);
  console.log(JSON.stringify({ latenciesMs }));
}

// graphile-worker's no-op drain, the reference queue of issue 5. Run as its own process:
//   tsx bench/baselines/graphileDrain.ts <url> <jobs> <concurrency>
// Prints {"jobsPerSec": …}: jobs from the runner's start until the last one completed.
import { Logger, makeWorkerUtils, run } from 'graphile-worker';

const [url, jobsArg, concurrencyArg] = process.argv.slice(2);
const jobs = Number(jobsArg);
const logger = new Logger(() => () => undefined);

const utils = await makeWorkerUtils({ connectionString: url!, logger });
await utils.migrate();
for (let i = 0; i < jobs; i += 1000) {
  const count = Math.min(1000, jobs - i);
  await utils.addJobs(
    Array.from({ length: count }, (_, j) => ({ identifier: 'noop', payload: { n: i + j } })),
  );
}
await utils.release();

let done = 0;
let finish: () => void = () => undefined;
const finished = new Promise<void>((resolve) => (finish = resolve));
const started = performance.now();
const runner = await run({
  connectionString: url!,
  concurrency: Number(concurrencyArg),
  noHandleSignals: true,
  pollInterval: 1000,
  logger,
  taskList: { noop: async () => undefined },
});
runner.events.on('job:success', () => {
  done += 1;
  if (done === jobs) finish();
});
await finished;
const seconds = (performance.now() - started) / 1000;
await runner.stop();
console.log(JSON.stringify({ jobsPerSec: jobs / seconds }));

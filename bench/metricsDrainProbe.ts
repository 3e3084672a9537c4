// `npx tsx bench/metricsDrainProbe.ts [ROUNDS] [MODES] [JOBS]`: the drain of JOBS (default 100,000)
// one-event jobs by one worker process, with metrics off, on but never scraped, and on with a scrape every
// 15 s or every second (MODES, default off,unscraped,scrape1s), in alternating rounds; prints jobs/s and the
// worker's CPU ms per 1,000 jobs of each run. It tells the cost of recording from the cost of being scraped.
import pg from 'pg';
import { openBenchDatabase } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { startApi } from './serviceProcesses.js';
import { drainProbe, type MetricsMode } from './workloads/metricsCost.js';

buildService();
const database = await openBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
try {
  // The API migrates at start.
  await (await startApi(database.url)).stop();
  const rounds = Number(process.argv[2] ?? 4);
  for (let round = 0; round < rounds; round += 1) {
    const modes = (process.argv[3] ?? 'off,unscraped,scrape1s').split(',') as MetricsMode[];
    // Alternating order, so a drift of the shared machine's speed hits every mode alike.
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const run = await drainProbe(database.url, client, mode, Number(process.argv[4] ?? 100_000));
      process.stdout.write(
        `${round} ${mode.padEnd(10)} ${run.perSec.toFixed(0)} jobs/s ${run.cpuMsPerThousand.toFixed(1)} CPU ms/1000 scrapes ${run.scrapes}\n`,
      );
    }
  }
} finally {
  await client.end();
  await database.dispose();
}

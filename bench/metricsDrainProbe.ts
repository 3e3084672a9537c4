// Ad-hoc: worker CPU per 1,000 jobs in the drain with metrics off, on without scrapes, on with 1 s scrapes.
import pg from 'pg';
import { openBenchDatabase } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { startApi } from './serviceProcesses.js';
import { drainProbe } from './workloads/metricsCost.js';

buildService();
const database = await openBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
try {
  // The API migrates at start.
  await (await startApi(database.url)).stop();
  const rounds = Number(process.argv[2] ?? 4);
  for (let round = 0; round < rounds; round += 1) {
    for (const mode of ['off', 'on', 'on+scrape'] as const) {
      const run = await drainProbe(database.url, client, mode, 20_000);
      process.stdout.write(
        `${round} ${mode.padEnd(10)} ${run.perSec.toFixed(0)} jobs/s ${run.cpuMsPerThousand.toFixed(1)} CPU ms/1000 scrapes ${run.scrapes}\n`,
      );
    }
  }
} finally {
  await client.end();
  await database.dispose();
}

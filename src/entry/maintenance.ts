// `npm run maintenance`: one maintenance pass (partitions ahead, retention of events and jobs), printed,
// then exit. On the configured database or, with none configured, the embedded PostgreSQL of `npm start`.
// Exit status: 0 done (or another process was running a pass, which does the work), 1 failed, 3 some
// step could not get its lock in time (run it again).
import { createPool } from '../data/pool.js';
import { createLogger } from '../log/logger.js';
import { maintenanceSettingsOf, runMaintenancePass } from '../maintenance/maintenancePass.js';
import { reportLines } from '../maintenance/passReport.js';
import { commandDatabase } from './commandDatabase.js';
import { refuseArguments } from './commandArguments.js';
import { loadConfigOrExit } from './runtime.js';
import { runMigrations } from './services.js';

refuseArguments(
  process.argv.slice(2),
  'npm run maintenance',
  'usage: npm run maintenance\n' +
    'One maintenance pass, printed: partitions of events a week ahead, retention of events and finished\n' +
    'jobs, the history of the overview. On DATABASE_URL, else the embedded PostgreSQL of npm start.\n' +
    'Exit status 0 done, 3 a step waited past its lock timeout (run it again), 1 failed.',
);
const config = loadConfigOrExit();
const { database, close } = await commandDatabase(config);
// Standard output carries what the pass did, nothing else.
const silent = createLogger('silent', 'ingest-maintenance');
let exitCode = 1;
try {
  if (config.runMigrationsOnStartup) await runMigrations(database, silent, config.migrationDatabase);
  const pool = createPool(database, {
    max: 2,
    applicationName: 'ingest-maintenance',
    onIdleError: () => undefined,
  });
  try {
    const report = await runMaintenancePass(pool, maintenanceSettingsOf(config.maintenance));
    for (const line of reportLines(report)) process.stdout.write(`${line}\n`);
    exitCode = report.deferred.length > 0 ? 3 : 0;
  } finally {
    await pool.end();
  }
} catch (error) {
  process.stderr.write(`npm run maintenance failed: ${(error as Error).message}\n`);
} finally {
  await close();
}
process.exit(exitCode);

import { finishedHoursRollUp } from '../data/jobHistory.js';
import type { Pool } from '../data/pool.js';
import { workersPrune } from '../data/workerRegistry.js';
import type { PassReport } from './passReport.js';

/** A worker process not heard from for this long is forgotten. */
const forgetWorkersAfterSeconds = 86_400;

/**
 * The pass's upkeep of what the dashboard reads: the hours of finished jobs that ended since the last
 * pass rolled up (the overview's 24-hour and 7-day history), and the rows of worker processes gone for
 * a day deleted.
 */
export async function keepOperatorTables(
  pool: Pool,
  report: PassReport,
  stopped: () => boolean,
): Promise<void> {
  report.hoursRolledUp = await finishedHoursRollUp(pool, stopped);
  if (!stopped()) report.workersForgotten = await workersPrune(pool, forgetWorkersAfterSeconds);
}

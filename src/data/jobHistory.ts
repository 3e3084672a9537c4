import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  finishedHoursPlan: sqlStatement('finishedHoursPlan'),
  finishedHoursRollUp: sqlStatement('finishedHoursRollUp'),
  finishedHoursRead: sqlStatement('finishedHoursRead'),
};

/** Hours of history the overview shows (7 days); the rollup never goes back further. */
export const historyHours = 7 * 24;
/** Hours the rollup keeps: a day more than it shows. */
const keptHours = 8 * 24;
/** Hours one rollup statement covers: a day, a short transaction even after a week without a pass. */
const hoursPerStatement = 24;

/** Jobs that finished in one bucket of time, and how long they took from acceptance. */
export interface FinishedBucket {
  /** The bucket's start. */
  start: Date;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Median seconds from acceptance to finish, cancelled jobs left out; null when none finished. */
  p50Seconds: number | null;
  p95Seconds: number | null;
}

/**
 * Rolls up every hour that has ended since the last rollup (at most `historyHours` back) into
 * finished_jobs_hourly, a day per statement, and forgets the hours no longer shown. Returns how many
 * hours it wrote. Called by the maintenance pass, which holds the maintenance lock.
 */
export async function finishedHoursRollUp(pool: Pool, shouldStop: () => boolean): Promise<number> {
  const { rows } = await pool.query<{ from_hour: Date; until_hour: Date }>({
    ...statements.finishedHoursPlan,
    values: [historyHours, keptHours],
  });
  const { from_hour: from, until_hour: until } = rows[0]!;
  let written = 0;
  for (let start = from; start < until && !shouldStop();) {
    const end = new Date(Math.min(until.getTime(), start.getTime() + hoursPerStatement * 3_600_000));
    const { rowCount } = await pool.query({ ...statements.finishedHoursRollUp, values: [start, end] });
    written += rowCount ?? 0;
    start = end;
  }
  return written;
}

/** The last `hours` hours of finished jobs (the current hour included), oldest first. */
export async function finishedHoursRead(pool: Pool, hours: number): Promise<FinishedBucket[]> {
  const { rows } = await pool.query<{
    hour: Date;
    succeeded: number;
    failed: number;
    cancelled: number;
    p50_seconds: number | null;
    p95_seconds: number | null;
  }>({ ...statements.finishedHoursRead, values: [hours] });
  return rows.map((row) => ({
    start: row.hour,
    succeeded: row.succeeded,
    failed: row.failed,
    cancelled: row.cancelled,
    p50Seconds: row.p50_seconds,
    p95Seconds: row.p95_seconds,
  }));
}

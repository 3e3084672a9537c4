import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';

const statements = {
  workerAnnounce: sqlStatement('workerAnnounce'),
  workersList: sqlStatement('workersList'),
  workersPrune: sqlStatement('workersPrune'),
};

/** What a worker process says about itself in each announcement. */
export interface WorkerAnnouncement {
  /** The owner name it writes on the jobs it claims. */
  id: string;
  host: string;
  pid: number;
  version: string;
  concurrency: number;
  /** Jobs claimed and not yet finished, at the moment of the announcement. */
  jobsInHand: number;
  /** How often it announces itself: it counts as gone after a few missed announcements. */
  announceSeconds: number;
  /** Its last announcement, from a graceful stop. */
  stopping: boolean;
}

/** Records (inserts or refreshes) a worker process's row in one statement. */
export async function workerAnnounce(pool: Pool, worker: WorkerAnnouncement): Promise<void> {
  await pool.query({
    ...statements.workerAnnounce,
    values: [
      worker.id,
      worker.host,
      worker.pid,
      worker.version,
      worker.concurrency,
      worker.jobsInHand,
      worker.announceSeconds,
      worker.stopping,
    ],
  });
}

/** A worker process as the admin API lists it. */
export interface WorkerProcessRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: Date;
  concurrency: number;
  jobsInHand: number;
  heartbeatAt: Date;
  stoppedAt: Date | null;
  /** live; gone: no announcement for three intervals (killed, frozen, cut off); stopped: stopped gracefully. */
  state: 'live' | 'gone' | 'stopped';
  /** Jobs Processing under its name in the database now. */
  leasedJobs: number;
  /** The database's clock when it was read. */
  now: Date;
}

/** The worker processes heard from (or stopped) within the last `recentSeconds`, live ones first. */
export async function workersList(pool: Pool, recentSeconds: number): Promise<WorkerProcessRow[]> {
  const { rows } = await pool.query<{
    id: string;
    host: string;
    pid: number;
    version: string;
    started_at: Date;
    concurrency: number;
    jobs_in_hand: number;
    heartbeat_at: Date;
    stopped_at: Date | null;
    state: WorkerProcessRow['state'];
    leased_jobs: number;
    now: Date;
  }>({ ...statements.workersList, values: [recentSeconds] });
  return rows.map((row) => ({
    id: row.id,
    host: row.host,
    pid: row.pid,
    version: row.version,
    startedAt: row.started_at,
    concurrency: row.concurrency,
    jobsInHand: row.jobs_in_hand,
    heartbeatAt: row.heartbeat_at,
    stoppedAt: row.stopped_at,
    state: row.state,
    leasedJobs: row.leased_jobs,
    now: row.now,
  }));
}

/** Deletes the rows of worker processes not heard from for `olderThanSeconds`; returns how many. */
export async function workersPrune(pool: Pool, olderThanSeconds: number): Promise<number> {
  const { rowCount } = await pool.query({ ...statements.workersPrune, values: [olderThanSeconds] });
  return rowCount ?? 0;
}

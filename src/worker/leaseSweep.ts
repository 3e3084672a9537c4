import { jobsRescueExpired, type FinishReport, type RescuedJob } from '../data/jobQueue.js';
import type { Pool } from '../data/pool.js';

/**
 * Takes back jobs whose worker stopped renewing its lease, without taking them from a worker that is
 * alive but could not reach the table: a lock held longer than the lease (a migration, a non-concurrent
 * index build, `VACUUM FULL`) holds every heartbeat, and when it goes, the heartbeats and this sweep run
 * in an order nobody controls. So time spent blocked does not count against a lease:
 *
 * - A round whose statement waited more than a quarter of the lease before it could read the table
 *   takes nothing back (the statement checks its own wait, in the database). Why a quarter: a live
 *   worker's lease has at least 4/5 of a lease left (it renews every lease/5), so only a lock longer than
 *   that can take it; the first round to start after such a lock began (rounds run every lease/4 or
 *   1 s, whichever is less) waits at least 0.55 of a lease. A round slowed by a busy machine alone
 *   rarely takes a quarter of a lease, so crash recovery is not delayed by mere load.
 * - After such a stall, for one lease from its end, a round takes back only leases that had expired a
 *   lease before the stall began: a live worker renews every lease/5, so its lease cannot be that old,
 *   while a worker that died well before the stall loses nothing by it. Live workers get a whole lease
 *   (five heartbeats) after the stall to renew; a worker that died during it is taken back one lease later.
 *
 * Rounds never overlap: a round still waiting makes the next ones skip, so rounds cannot pile up behind
 * a lock and all run at once when it goes.
 */
export class LeaseSweep {
  private inFlight = false;
  /** The last stall this sweep saw: when its round began and ended (`performance.now()` ms). */
  private stall: { began: number; ended: number } | undefined;

  /**
   * @param onStall told how long a round waited, when it waited long enough to count as a stall
   * @param onWebhooksWritten told when a round failed jobs for good and wrote their webhook messages
   */
  constructor(
    private readonly pool: Pool,
    private readonly leaseSeconds: number,
    private readonly onStall: (waitedMs: number) => void = () => undefined,
    private readonly onWebhooksWritten: () => void = () => undefined,
  ) {}

  /** Runs one round; returns the jobs taken back (none when a round is already on its way). */
  async run(): Promise<RescuedJob[]> {
    if (this.inFlight) return [];
    this.inFlight = true;
    const began = performance.now();
    const maxWaitSeconds = this.leaseSeconds / 4;
    try {
      const report: FinishReport = { webhooks: 0 };
      const rescued = await jobsRescueExpired(
        this.pool,
        this.minExpiredSeconds(began),
        maxWaitSeconds,
        report,
      );
      if (report.webhooks > 0) this.onWebhooksWritten();
      return rescued;
    } finally {
      const ended = performance.now();
      // Measured here too, so a wait for a connection or a slow network counts as a stall as well.
      if (ended - began > maxWaitSeconds * 1000) {
        this.stall = { began, ended };
        this.onStall(ended - began);
      }
      this.inFlight = false;
    }
  }

  /** How long ago a lease must have expired for this round to take it back. */
  private minExpiredSeconds(now: number): number {
    if (!this.stall || now > this.stall.ended + this.leaseSeconds * 1000) return 0;
    return (now - this.stall.began) / 1000 + this.leaseSeconds;
  }
}

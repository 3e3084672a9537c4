import type { Pool } from '../data/pool.js';
import type { Logger } from '../log/logger.js';
import { noMaintenanceMetrics, type MaintenanceMetrics } from '../metrics/maintenanceMetrics.js';
import type { KeySweepPosition } from './keySweep.js';
import { runMaintenancePass, type MaintenanceSettings } from './maintenancePass.js';
import { reportIsNews, reportLines, type PassReport } from './passReport.js';

/** How soon after start a worker tries its first pass: soon, yet after its claim loops are running. */
const firstPassDelayMs = 2000;

/**
 * Runs a maintenance pass in a worker process every `intervalSeconds` (the first soon after start); the
 * advisory lock lets one process at a time do it, the others skip. Passes never overlap: the next is
 * timed from the end of the last. A failed pass is logged and the next one comes at its time.
 */
export class MaintenanceSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Where the last pass's sweep of idempotency keys stopped: the next goes on from there. */
  private keySweepAfter: KeySweepPosition | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly settings: MaintenanceSettings,
    private readonly intervalSeconds: number,
    private readonly log: Logger,
    private readonly metrics: MaintenanceMetrics = noMaintenanceMetrics,
  ) {}

  /** Schedules the first pass. */
  start(): void {
    this.schedule(Math.min(firstPassDelayMs, this.intervalSeconds * 1000));
  }

  /**
   * Stops scheduling; a pass under way stops at its next step boundary (each step is a short transaction
   * or one DETACH, bounded by the lock timeout) and is waited for.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        this.schedule(this.intervalSeconds * 1000);
      });
    }, delayMs);
  }

  private async pass(): Promise<void> {
    let report: PassReport;
    try {
      report = await runMaintenancePass(this.pool, this.settings, {
        shouldStop: () => this.stopping,
        keySweepAfter: this.keySweepAfter,
      });
    } catch (error) {
      this.metrics.passFailed();
      this.log.error(
        { err: error, retryInSeconds: this.intervalSeconds },
        'maintenance pass failed; the next pass tries again',
      );
      return;
    }
    if (!report.ran) {
      this.log.debug('maintenance pass skipped: another process is running one');
      return;
    }
    this.keySweepAfter = report.keySweepNext;
    this.metrics.passDone(report);
    const fields = {
      created: report.created,
      dropped: report.dropped,
      finalized: report.finalized,
      kept: report.kept,
      restored: report.restored,
      deferred: report.deferred,
      jobsDeleted: report.jobsDeleted,
      keysDeleted: report.keysDeleted,
      partitionsUntil: report.partitionsUntil,
      summary: reportLines(report).slice(1).join('; '),
    };
    if (report.deferred.length > 0)
      this.log.warn(fields, 'maintenance pass: some steps wait for the next pass (lock timeout)');
    else if (reportIsNews(report)) this.log.info(fields, 'maintenance pass');
    else this.log.debug(fields, 'maintenance pass: nothing to do');
  }
}

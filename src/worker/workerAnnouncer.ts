import { hostname } from 'node:os';
import type { Pool } from '../data/pool.js';
import { workerAnnounce, type WorkerAnnouncement } from '../data/workerRegistry.js';
import type { Logger } from '../log/logger.js';

/** Seconds between a worker process's announcements: it is listed as gone after three missed ones. */
export const announceSeconds = 5;

/**
 * Keeps a worker process's row in worker_processes fresh: one upsert when it starts, one every
 * `announceSeconds` with the jobs it holds, and a last one marking it stopped. A failed announcement is
 * logged and tried again at the next tick: the admin API shows the process as gone meanwhile, never
 * wrongly as live.
 */
export class WorkerAnnouncer {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly identity: Omit<WorkerAnnouncement, 'jobsInHand' | 'stopping'>;

  constructor(
    private readonly pool: Pool,
    worker: { id: string; concurrency: number; version: string },
    private readonly jobsInHand: () => number,
    private readonly log: Logger,
  ) {
    this.identity = { ...worker, host: hostname(), pid: process.pid, announceSeconds };
  }

  /**
   * Announces the process now and then every `announceSeconds`. Returns at once: the process's start
   * (and the installing of its signal handlers) never waits on an announcement.
   */
  start(): void {
    void this.announce(false);
    this.timer = setInterval(() => void this.announce(false), announceSeconds * 1000);
    this.timer.unref();
  }

  /** Stops announcing and records that the process stopped. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    await this.announce(true);
  }

  private async announce(stopping: boolean): Promise<void> {
    // One announcement at a time: one held up by the database must not pile up behind it.
    if (this.inFlight && !stopping) return;
    const sent = workerAnnounce(this.pool, { ...this.identity, jobsInHand: this.jobsInHand(), stopping })
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not announce the worker process'))
      .finally(() => {
        if (this.inFlight === sent) this.inFlight = undefined;
      });
    this.inFlight = sent;
    await sent;
  }
}

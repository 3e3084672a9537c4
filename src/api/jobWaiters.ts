import type { DatabaseConfig } from '../config/connectionString.js';
import { JobNotifications, jobsFinishedChannel } from '../data/jobNotifications.js';
import type { Logger } from '../log/logger.js';

/**
 * Why a wait ended: a notification (the job may have finished, or notifications came back after a drop),
 * its time was up, the API stops, its client went away, or its key was revoked.
 */
export type WaitEnd = 'woken' | 'timeout' | 'stopped' | 'closed' | 'revoked';

/** A registered wait for one job. */
export interface JobWait {
  /** Settles with why the wait ended. */
  done: Promise<WaitEnd>;
  /** Ends the wait from outside (its client left, its key was revoked). */
  end(reason: WaitEnd): void;
  /** Unregisters the wait and frees its place (always call it, also after `done` settled). */
  cancel(): void;
}

/** A wait refused: the process or the tenant already holds as many as it may. */
export interface WaitRefusal {
  refused: 'process' | 'tenant';
  limit: number;
}

/** How many waits may be held at once. */
export interface WaitCaps {
  /** In this process. */
  maxWaits: number;
  /** For one tenant's jobs in this process. */
  maxWaitsPerTenant: number;
}

/**
 * Lets requests wait for jobs to finish (`Prefer: wait`), woken by the database's notifications: one
 * LISTEN connection per API process however many requests wait, and no query while they wait. A wait
 * also ends when the connection comes back after a drop (a notification may have been missed while it
 * was down: the request reads the job again) and when the API stops. Waits are capped per process and
 * per tenant: each holds a socket and, when it ends, a read, so one tenant cannot take them all.
 */
export class JobWaiters {
  readonly #waiting = new Map<string, Set<(reason: WaitEnd) => void>>();
  readonly #notifications: JobNotifications;
  readonly #perTenant = new Map<string, number>();
  #count = 0;
  #listening = false;
  #stopped = false;

  constructor(
    database: DatabaseConfig,
    logger: Logger,
    private readonly caps: WaitCaps,
  ) {
    this.#notifications = new JobNotifications(
      database,
      'ingest-api-listen',
      {
        onJob: (payload) => {
          for (const id of payload.split(',')) this.#wake(id, 'woken');
        },
        onConnected: () => {
          this.#listening = true;
          for (const id of [...this.#waiting.keys()]) this.#wake(id, 'woken');
        },
        onError: (error, retryInMs) => {
          this.#listening = false;
          logger.warn({ err: error, retryInMs }, 'job notifications unavailable; Prefer: wait is ignored');
        },
      },
      jobsFinishedChannel,
    );
  }

  /** Opens the LISTEN connection (a failure is retried in the background). */
  async start(): Promise<void> {
    await this.#notifications.start();
  }

  /** Whether notifications arrive now; without them a wait could only end by its timeout. */
  get listening(): boolean {
    return this.#listening && !this.#stopped;
  }

  /** Waits held now. */
  get count(): number {
    return this.#count;
  }

  /**
   * Registers a wait of at most `ms` for job `id` (lower-case) of `tenantId`, or refuses it when the
   * process or the tenant holds as many as it may.
   */
  wait(id: string, ms: number, tenantId: string): JobWait | WaitRefusal {
    if (this.#count >= this.caps.maxWaits) return { refused: 'process', limit: this.caps.maxWaits };
    const tenantCount = this.#perTenant.get(tenantId) ?? 0;
    if (tenantCount >= this.caps.maxWaitsPerTenant)
      return { refused: 'tenant', limit: this.caps.maxWaitsPerTenant };
    this.#count += 1;
    this.#perTenant.set(tenantId, tenantCount + 1);
    let end!: (reason: WaitEnd) => void;
    const done = new Promise<WaitEnd>((resolve) => (end = resolve));
    const timer = setTimeout(() => end('timeout'), ms);
    const set = this.#waiting.get(id) ?? new Set();
    set.add(end);
    this.#waiting.set(id, set);
    let cancelled = false;
    return {
      done,
      end,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        clearTimeout(timer);
        set.delete(end);
        if (set.size === 0 && this.#waiting.get(id) === set) this.#waiting.delete(id);
        this.#count -= 1;
        const left = (this.#perTenant.get(tenantId) ?? 1) - 1;
        if (left > 0) this.#perTenant.set(tenantId, left);
        else this.#perTenant.delete(tenantId);
      },
    };
  }

  /** Ends every wait at once (the requests answer with the state they read) and stops listening. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const id of [...this.#waiting.keys()]) this.#wake(id, 'stopped');
    await this.#notifications.stop();
  }

  #wake(id: string, reason: WaitEnd): void {
    const set = this.#waiting.get(id);
    if (!set) return;
    this.#waiting.delete(id);
    for (const end of set) end(reason);
  }
}

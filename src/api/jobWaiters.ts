import type { DatabaseConfig } from '../config/connectionString.js';
import { JobNotifications, jobsFinishedChannel } from '../data/jobNotifications.js';
import type { Logger } from '../log/logger.js';

/** A registered wait for one job; `done` settles when it may have finished, or when time is up. */
export interface JobWait {
  done: Promise<void>;
  /** Unregisters the wait (always call it, also after `done` settled). */
  cancel(): void;
}

/**
 * Lets requests wait for jobs to finish (`Prefer: wait`), woken by the database's notifications: one
 * LISTEN connection per API process however many requests wait, and no query while they wait. A wait
 * also ends when the connection comes back after a drop (a notification may have been missed while it
 * was down: the request reads the job again) and when the API stops.
 */
export class JobWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();
  readonly #notifications: JobNotifications;
  #listening = false;
  #stopped = false;

  constructor(database: DatabaseConfig, logger: Logger) {
    this.#notifications = new JobNotifications(
      database,
      'ingest-api-listen',
      {
        onJob: (payload) => {
          for (const id of payload.split(',')) this.#wake(id);
        },
        onConnected: () => {
          this.#listening = true;
          for (const id of [...this.#waiting.keys()]) this.#wake(id);
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

  /** Registers a wait for job `id` (lower-case) of at most `ms`. */
  wait(id: string, ms: number): JobWait {
    let wake!: () => void;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, ms);
    const set = this.#waiting.get(id) ?? new Set();
    set.add(wake);
    this.#waiting.set(id, set);
    return {
      done,
      cancel: () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.#waiting.get(id) === set) this.#waiting.delete(id);
      },
    };
  }

  /** Ends every wait at once (the requests answer with the state they read) and stops listening. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const id of [...this.#waiting.keys()]) this.#wake(id);
    await this.#notifications.stop();
  }

  #wake(id: string): void {
    const set = this.#waiting.get(id);
    if (!set) return;
    this.#waiting.delete(id);
    for (const wake of set) wake();
  }
}

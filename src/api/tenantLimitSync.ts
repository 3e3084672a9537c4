import { randomUUID } from 'node:crypto';
import type { DatabaseConfig } from '../config/connectionString.js';
import { JobNotifications } from '../data/jobNotifications.js';
import type { Pool } from '../data/pool.js';
import { apiInstanceAnnounce, apiInstancesChannel, tenantsPendingEvents } from '../data/tenantLimitsStore.js';
import type { Logger } from '../log/logger.js';
import type { TenantLimiter } from './tenantLimits.js';

/** How often a process announces itself. */
const beatMs = 1000;
/** A process not heard from for this long no longer takes a share of the budgets. */
const staleMs = 3000;
/** How often the pending-events counts are read again. */
const pendingRefreshMs = 2000;

/**
 * Keeps a TenantLimiter's view of the other API processes current, off the request path. Every second
 * each process announces itself with a NOTIFY and counts the processes it heard within the last 3 s (its
 * own announcements included): that count divides every tenant's and key's rate. When the cap on pending
 * events is on, it also reads the per-tenant counts every 2 s. It starts with the API when a RATE_LIMIT_*
 * setting is on, else when the first key with limits of its own is used (until then there is nothing to
 * share, and no connection is spent on it). A failed round is logged and the last values kept.
 * Without a connection that can LISTEN (a transaction-mode pooler and no LISTEN_DATABASE_URL), a process
 * hears no one and each process allows the whole rate: said once in the log.
 */
export class TenantLimitSync {
  readonly #id = randomUUID();
  readonly #heard = new Map<string, number>();
  #listener: JobNotifications | undefined;
  #started: Promise<void> | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #lastPendingRefresh = 0;
  #round: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly limiter: TenantLimiter,
    private readonly logger: Logger,
    private readonly listenDatabase: DatabaseConfig | undefined,
  ) {}

  /**
   * Starts listening and announcing; returns after the first round. Called again (the first key with limits
   * of its own arrived), it returns the same start.
   */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    if (this.#stopped) return;
    if (!this.listenDatabase) {
      this.logger.warn(
        'rate limits: no connection that can LISTEN (a transaction-mode pooler without LISTEN_DATABASE_URL), ' +
          'so this process cannot learn how many API processes share the limits; each allows the whole rate',
      );
    } else {
      this.#listener = new JobNotifications(
        this.listenDatabase,
        'ingest-api-limits',
        {
          onJob: (payload) => this.#onAnnouncement(payload),
          onConnected: () => undefined,
          onError: (error, retryInMs) =>
            this.logger.warn(
              { err: error, retryInMs },
              'rate limits: listening for other API processes failed',
            ),
        },
        apiInstancesChannel,
      );
      await this.#listener.start();
    }
    await this.#runRound();
    if (this.#stopped) return;
    this.#timer = setInterval(() => void this.#runRound(), beatMs);
    this.#timer.unref();
  }

  /** Stops, telling the others, which then take this process's share at their next round. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (!this.#started) return;
    await this.#started;
    clearInterval(this.#timer);
    await this.#round;
    await this.#listener?.stop();
    await apiInstanceAnnounce(this.pool, this.#id, true).catch(() => undefined);
  }

  #onAnnouncement(payload: string): void {
    if (payload.startsWith('-')) this.#heard.delete(payload.slice(1));
    else if (payload.length > 0) this.#heard.set(payload, Date.now());
  }

  #runRound(): Promise<void> {
    // A round still running (a slow database) is not overtaken by the next.
    this.#round ??= this.#beat().finally(() => (this.#round = undefined));
    return this.#round;
  }

  async #beat(): Promise<void> {
    const now = Date.now();
    for (const [id, at] of this.#heard) if (now - at > staleMs) this.#heard.delete(id);
    // Itself, whether or not its own announcement has come back yet.
    this.#heard.set(this.#id, now);
    if (this.#heard.size !== this.limiter.liveProcesses || this.#lastPendingRefresh === 0) {
      this.logger.info(
        { apiProcesses: this.#heard.size },
        `rate limits: ${this.#heard.size} API process(es) share every tenant's rate`,
      );
    }
    this.limiter.setLiveProcesses(this.#heard.size);
    try {
      await apiInstanceAnnounce(this.pool, this.#id);
      if (this.limiter.pendingCapped && now - this.#lastPendingRefresh >= pendingRefreshMs) {
        this.limiter.setPendingEvents(await tenantsPendingEvents(this.pool));
        this.#lastPendingRefresh = now;
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not refresh the rate limits; keeping the last known values');
    }
    this.limiter.sweep();
  }
}

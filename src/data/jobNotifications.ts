import pg from 'pg';
import type { DatabaseConfig } from '../config/connectionString.js';
import { clientConfig } from './pool.js';

/** The channel a new or handed-back job is announced on (see jobInsert.sql and jobsRelease.sql). */
export const jobsCreatedChannel = 'ingestion_jobs_created';

/**
 * The channel on which the statements that finish jobs (Succeeded, or Failed for good) announce them:
 * the payload is their ids, comma-separated (see jobsSucceed.sql, jobsFail.sql, jobsRescueExpired.sql).
 */
export const jobsFinishedChannel = 'ingestion_jobs_finished';

/** Callbacks of a {@link JobNotifications} listener. */
export interface JobNotificationHandlers {
  /** A notification arrived on the channel, with its payload. */
  onJob: (payload: string) => void;
  /** The connection was (re)established: anything announced while it was down must be looked for. */
  onConnected: () => void;
  /** The connection failed; it is retried after `retryInMs`. */
  onError: (error: Error, retryInMs: number) => void;
}

/**
 * Holds one connection that LISTENs on a channel (by default, for new jobs) and reconnects with backoff
 * when it drops, so an idle worker hears of a job within milliseconds. It needs a session-mode
 * connection: behind a transaction-mode pooler notifications never arrive, and workers fall back to
 * polling.
 */
export class JobNotifications {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly database: DatabaseConfig,
    private readonly applicationName: string,
    private readonly handlers: JobNotificationHandlers,
    private readonly channel: string = jobsCreatedChannel,
  ) {}

  /** Starts listening; returns once the first attempt has connected or failed (failures are retried). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      ...clientConfig(this.database, this.applicationName),
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    this.client = client;
    client.on('notification', (message) => this.handlers.onJob(message.payload ?? ''));
    client.on('error', (error) => this.retry(client, error));
    client.on('end', () => this.retry(client, new Error('LISTEN connection closed')));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.failures = 0;
      this.handlers.onConnected();
    } catch (error) {
      this.retry(client, error as Error);
    }
  }

  private retry(client: pg.Client, error: Error): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners();
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.failures += 1;
    // At most 2 s apart, so the worker hears of new jobs within ~2 s of the database coming back.
    const retryInMs = Math.min(250 * 2 ** (this.failures - 1), 2000);
    this.handlers.onError(error, retryInMs);
    this.retryTimer = setTimeout(() => void this.connect(), retryInMs);
  }

  /** Stops listening and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}

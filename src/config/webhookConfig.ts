import type { EnvReader } from './envReader.js';

/** Completion webhooks: who may be called, and how worker processes deliver (src/webhooks/, docs/webhooks.md). */
export interface WebhookConfig {
  /**
   * Allows endpoints on loopback, private, link-local and metadata addresses, and plain http:// URLs:
   * for local development and tests only. Off, such a destination is refused when an endpoint is made
   * and again, after DNS resolution, at every delivery.
   */
  allowPrivateUrls: boolean;
  /** Requests one worker process has on their way at once; 0: this process delivers none. */
  concurrency: number;
  /** Of those, at most this many to one endpoint: a slow receiver holds no more slots than this. */
  endpointConcurrency: number;
  /** How long one delivery may take, connection included, before it counts as failed. */
  timeoutSeconds: number;
  /** Attempts before a message is given up; with the default base, the last is about a day after the first. */
  maxAttempts: number;
  /** The first retry's wait; each further one doubles, up to 8 hours. */
  retryBaseSeconds: number;
  /** How often an idle process looks for due messages written by other processes. */
  pollIntervalMs: number;
}

/** Reads the WEBHOOK_* variables, collecting problems into `read`. */
export function readWebhookConfig(read: EnvReader): WebhookConfig {
  return {
    allowPrivateUrls: read.boolean('WEBHOOK_ALLOW_PRIVATE_URLS', false),
    concurrency: read.integer('WEBHOOK_CONCURRENCY', 16, 0, 1000),
    endpointConcurrency: read.integer('WEBHOOK_ENDPOINT_CONCURRENCY', 4, 1, 1000),
    timeoutSeconds: read.positiveNumber('WEBHOOK_TIMEOUT_SECONDS', 10, 300),
    maxAttempts: read.integer('WEBHOOK_MAX_ATTEMPTS', 13, 1, 100),
    retryBaseSeconds: read.positiveNumber('WEBHOOK_RETRY_BASE_SECONDS', 30, 3600),
    pollIntervalMs: read.integer('WEBHOOK_POLL_INTERVAL_MS', 1000, 10, 600_000),
  };
}

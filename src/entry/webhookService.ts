import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { createPool } from '../data/pool.js';
import { webhookBacklog } from '../data/webhookDeliveries.js';
import type { Logger } from '../log/logger.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { Tracing } from '../tracing/tracing.js';
import { WebhookDispatcher } from '../webhooks/webhookDispatcher.js';
import type { Resolver } from '../webhooks/webhookRequest.js';

/** A worker process's webhook delivery. */
export interface WebhookDelivery {
  /** Starts delivering as `owner` (the worker's name, written on what it claims). */
  start(owner: string): void;
  /** A finished job wrote messages: look for them now rather than at the next poll. */
  wake(): void;
  /** Stops, letting attempts on their way end within `graceMs`, and closes the pool. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The delivery loop of a worker process, on a pool of two connections of its own (a claim and an outcome
 * statement at a time), so the claim loops never wait for a connection a delivery holds and a slow
 * receiver never touches job processing. With WEBHOOK_CONCURRENCY=0 the process delivers nothing (and
 * opens nothing); other processes do.
 */
export function startWebhookDelivery(
  config: Config,
  database: DatabaseConfig,
  logger: Logger,
  metrics: MetricsRegistry | undefined,
  tracing: Tracing,
  resolve?: Resolver,
): WebhookDelivery {
  if (config.webhooks.concurrency === 0) return { start() {}, wake() {}, stop: () => Promise.resolve() };
  const pool = createPool(database, {
    max: 2,
    applicationName: 'ingest-webhooks',
    onIdleError: (error) => logger.warn({ err: error }, 'idle webhook connection failed'),
  });
  metrics?.watchPool('webhooks', pool);
  metrics?.watchWebhookBacklog({
    count: () => webhookBacklog(pool),
    cacheSeconds: config.metrics.jobCountsCacheSeconds,
    onError: (error) => logger.warn({ err: error }, 'could not count the webhook backlog for the metrics'),
  });
  let dispatcher: WebhookDispatcher | undefined;
  return {
    start(owner) {
      dispatcher = new WebhookDispatcher({
        pool,
        owner,
        config: config.webhooks,
        logger,
        tracing,
        ...(metrics ? { metrics: metrics.webhookMetrics() } : {}),
        ...(resolve ? { resolve } : {}),
      });
      dispatcher.start();
    },
    wake() {
      dispatcher?.wake();
    },
    async stop(graceMs) {
      await dispatcher?.stop(graceMs);
      await pool.end();
    },
  };
}

import type { Config } from '../config/config.js';
import type { Pool } from '../data/pool.js';
import { webhookBacklog } from '../data/webhookDeliveries.js';
import type { Logger } from '../log/logger.js';
import type { MetricsRegistry } from '../metrics/metricsRegistry.js';
import type { Tracing } from '../tracing/tracing.js';
import { WebhookDispatcher } from '../webhooks/webhookDispatcher.js';

/** A worker process's webhook delivery. */
export interface WebhookDelivery {
  /** Starts delivering as `owner` (the worker's name, written on what it claims). */
  start(owner: string): void;
  /** A finished job wrote messages: look for them now rather than at the next poll. */
  wake(): void;
  /** Stops, letting attempts on their way end within `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The delivery loop of a worker process. It runs on the worker's `pool`, one statement at a time (a claim
 * or a batch of outcomes, milliseconds each), so it adds no connection to the process's budget; its HTTP
 * requests hold none, and a slow receiver never touches job processing. With WEBHOOK_CONCURRENCY=0 the
 * process delivers nothing; other processes do.
 */
export function startWebhookDelivery(
  config: Config,
  pool: Pool,
  logger: Logger,
  metrics: MetricsRegistry | undefined,
  tracing: Tracing,
): WebhookDelivery {
  if (config.webhooks.concurrency === 0) return { start() {}, wake() {}, stop: () => Promise.resolve() };
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
      });
      dispatcher.start();
    },
    wake() {
      dispatcher?.wake();
    },
    async stop(graceMs) {
      await dispatcher?.stop(graceMs);
    },
  };
}

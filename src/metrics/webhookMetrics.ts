import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebhookBacklog } from '../data/webhookDeliveries.js';
import { httpBuckets } from './buckets.js';
import { cachedRead } from './cachedRead.js';
import { CountedHistogram } from './countedHistogram.js';

/** What a worker's webhook delivery records. */
export interface WebhookMetrics {
  /** An attempt ended: delivered (2xx) or failed (anything else), in `seconds`. */
  attempted(outcome: 'delivered' | 'failed', seconds: number): void;
  /** Messages given up: attempts spent, 410 Gone, or their endpoint disabled or deleted. */
  givenUp(messages: number): void;
}

/** Records nothing. */
export const noWebhookMetrics: WebhookMetrics = { attempted() {}, givenUp() {} };

/** Where the backlog gauges get their figures. */
export interface WebhookBacklogSource {
  count(): Promise<WebhookBacklog>;
  /** A count younger than this is served again instead of asking the database. */
  cacheSeconds: number;
  onError(error: unknown): void;
}

/** The delivery metrics on `registry`. */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const delivered = new Counter({
    name: 'ingest_webhook_delivered_total',
    help: 'Webhook messages delivered: the endpoint answered 2xx.',
    registers: [registry],
  });
  const failed = new Counter({
    name: 'ingest_webhook_failed_total',
    help: 'Webhook delivery attempts that failed: another status, a timeout, a connection error, or an address refused as not public. Most are retried.',
    registers: [registry],
  });
  const givenUp = new Counter({
    name: 'ingest_webhook_given_up_total',
    help: 'Webhook messages given up: WEBHOOK_MAX_ATTEMPTS spent, the endpoint answered 410 Gone (and was disabled), or it was deleted.',
    registers: [registry],
  });
  const duration = new CountedHistogram(
    'ingest_webhook_delivery_seconds',
    'Time of one delivery attempt, name resolution to response, whatever its outcome.',
    [...httpBuckets, 30],
    registry,
  );
  for (const counter of [delivered, failed, givenUp]) counter.inc(0);
  return {
    attempted(outcome, seconds) {
      (outcome === 'delivered' ? delivered : failed).inc();
      duration.observe(seconds);
    },
    givenUp(messages) {
      if (messages > 0) givenUp.inc(messages);
    },
  };
}

/**
 * `ingest_webhook_backlog` and `ingest_webhook_backlog_age_seconds`, from one statement each process runs
 * at most once per `cacheSeconds` (as the job counts are).
 */
export function createWebhookBacklogMetrics(registry: Registry, source: WebhookBacklogSource): void {
  const current = cachedRead({ ...source, read: () => source.count() });
  new Gauge({
    name: 'ingest_webhook_backlog',
    help: 'Webhook messages waiting to be delivered (counted to 100,000), retries included. Every process reports the same backlog: aggregate with max.',
    registers: [registry],
    async collect() {
      const backlog = await current();
      if (backlog) this.set(backlog.pending);
    },
  });
  new Gauge({
    name: 'ingest_webhook_backlog_age_seconds',
    help: 'Age of the oldest webhook message not yet delivered nor given up (database clock); 0 when none waits. A receiver that is down keeps it up to about a day.',
    registers: [registry],
    async collect() {
      const backlog = await current();
      if (backlog) this.set(backlog.oldest ? (backlog.now.getTime() - backlog.oldest.getTime()) / 1000 : 0);
    },
  });
}

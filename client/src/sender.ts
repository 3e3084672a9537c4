import { backoffDelay, retryAfterMs, sleep } from './backoff.js';
import { canGzip, gzip } from './compression.js';
import { IngestApiError, RejectedBatchError, UndeliveredBatchError, type ClientError } from './errors.js';
import type { Settings } from './options.js';
import { batchBody, type Queued } from './queue.js';
import { authorization, isRetryable, newIdempotencyKey, problemOf } from './requests.js';

/** Bodies smaller than this are sent as they are: gzip would save little and cost a stream. */
const gzipFromBytes = 1024;

/** What became of the events a client sent, for stats(). */
export interface DeliveryCounts {
  sent: number;
  rejected: number;
  undelivered: number;
}

/** What one round of attempts with one Idempotency-Key ended in. */
type Outcome = 'sent' | 'split' | 'reported';

/**
 * Sends batches to POST /v1/ingestions the way the service asks to be retried (README.md, "What the
 * client does on each answer"): one Idempotency-Key per batch, reused by every retry of it, so a retry
 * after a lost answer never stores twice; exponential backoff with jitter on network errors, 429 and
 * 5xx, or the wait Retry-After names; a 413 splits the batch in two; any other refusal is reported.
 */
export class BatchSender {
  /** The batch being sent, for the page-hide handler to hand to fetch keepalive with the same key. */
  current: { body: string; idempotencyKey: string; events: number } | undefined;
  #gzip: boolean;

  constructor(
    private readonly settings: Settings,
    private readonly report: (error: ClientError) => void,
    readonly counts: DeliveryCounts,
  ) {
    this.#gzip = settings.compress && canGzip;
  }

  /** Delivers `items` (splitting the batch as the service asks), or reports why not. */
  async deliver(items: readonly Queued[], signal: AbortSignal): Promise<void> {
    if (items.length === 0) return;
    if ((await this.#attempts(items, signal)) !== 'split') return;
    const half = Math.ceil(items.length / 2);
    await this.deliver(items.slice(0, half), signal);
    await this.deliver(items.slice(half), signal);
  }

  async #attempts(items: readonly Queued[], signal: AbortSignal): Promise<Outcome> {
    const { settings } = this;
    const events = items.map((item) => item.event);
    const body = batchBody(items, settings.tenantId);
    const idempotencyKey = newIdempotencyKey();
    let compressed = this.#gzip && body.length >= gzipFromBytes ? await gzip(body) : undefined;
    this.current = { body, idempotencyKey, events: items.length };
    try {
      for (let attempt = 0; ; attempt += 1) {
        let failure: unknown;
        let wait: number | undefined;
        try {
          const response = await settings.fetch(`${settings.baseUrl}/v1/ingestions`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': idempotencyKey,
              ...(compressed ? { 'content-encoding': 'gzip' } : {}),
              ...authorization(settings.key),
            },
            body: compressed ?? body,
            signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
          });
          if (response.status === 202) {
            await response.body?.cancel();
            this.counts.sent += items.length;
            return 'sent';
          }
          const problem = await problemOf(response);
          if (response.status === 413 && items.length > 1) return 'split';
          if (
            response.status === 415 &&
            compressed &&
            !/gzip/i.test(response.headers.get('accept-encoding') ?? '')
          ) {
            // A service that takes no gzip: this batch and every later one go uncompressed.
            this.#gzip = false;
            compressed = undefined;
            attempt -= 1;
            continue;
          }
          if (!isRetryable(response.status)) {
            this.counts.rejected += items.length;
            this.report(new RejectedBatchError(response.status, problem, events));
            return 'reported';
          }
          failure = new IngestApiError(response.status, problem);
          wait = retryAfterMs(response.headers.get('retry-after'));
        } catch (error) {
          // A network error or a time-out: the batch may or may not have been stored; the same key
          // makes the retry safe either way.
          failure = error;
        }
        const closed = signal.aborted;
        if (closed || attempt >= settings.maxRetries) {
          this.counts.undelivered += items.length;
          this.report(
            new UndeliveredBatchError(events, closed ? 'closed' : 'retries exhausted', { cause: failure }),
          );
          return 'reported';
        }
        wait ??= backoffDelay(attempt, settings.minRetryDelayMs, settings.maxRetryDelayMs);
        if (!(await sleep(wait, signal))) {
          this.counts.undelivered += items.length;
          this.report(new UndeliveredBatchError(events, 'closed', { cause: failure }));
          return 'reported';
        }
      }
    } finally {
      this.current = undefined;
    }
  }

  /**
   * Hands a batch to fetch keepalive, which outlives the page (its bodies are limited to 64 KiB in all,
   * so it goes uncompressed and small); fire and forget. With the key of a batch already in flight, the
   * service stores it once whichever request lands.
   */
  sendWithKeepalive(body: string, idempotencyKey: string): void {
    const { settings } = this;
    settings
      .fetch(`${settings.baseUrl}/v1/ingestions`, {
        method: 'POST',
        keepalive: true,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
          ...authorization(settings.key),
        },
        body,
      })
      .catch(() => undefined);
  }
}

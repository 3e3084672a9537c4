/** The longest wait between two attempts to deliver a message. */
export const maxRetryDelaySeconds = 8 * 3600;

/**
 * Seconds to wait after failed attempt `attempt` (from 1): `baseSeconds` × 2^(attempt − 1), at most 8
 * hours, times a random factor from 0.8 to 1.2 so that messages that failed together (a receiver that
 * was down) do not all come back at the same second. With the defaults (30 s, 13 attempts) the waits are
 * 30 s, 1, 2, 4, 8, 16, 32, 64, 128 and 256 minutes, then 8 hours twice: the last attempt comes about
 * 24.5 hours after the first.
 */
export function retryDelaySeconds(
  attempt: number,
  baseSeconds: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const delay = Math.min(baseSeconds * 2 ** exponent, maxRetryDelaySeconds);
  return delay * (0.8 + 0.4 * random());
}

/**
 * A `Retry-After` header in seconds from `now`: delay-seconds or an HTTP date (RFC 9110); undefined when
 * absent or unreadable. Never negative; at most the longest wait.
 */
export function retryAfterSeconds(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const date = Date.parse(text);
    if (Number.isNaN(date) || !/[a-z]/i.test(text)) return undefined;
    seconds = (date - now) / 1000;
  }
  return Math.min(Math.max(seconds, 0), maxRetryDelaySeconds);
}

/** What one attempt came to, as the delivery loop saw it. */
export interface AttemptResult {
  /** The response's status; undefined when there was none (refused address, timeout, connection error). */
  statusCode?: number | undefined;
  /** The response's Retry-After, in seconds (see retryAfterSeconds). */
  retryAfterSeconds?: number | undefined;
}

/** What to do with a message after an attempt. */
export type DeliveryDecision =
  | { kind: 'delivered' }
  /** Try again in `retryInSeconds`. */
  | { kind: 'retry'; retryInSeconds: number }
  /** Give up: its attempts are spent. */
  | { kind: 'failed' }
  /** 410 Gone: give up, and disable the endpoint. */
  | { kind: 'gone' };

/**
 * The rule for an attempt's outcome: a 2xx delivered it; 410 Gone disables the endpoint; anything else
 * (3xx included: redirects are not followed) is retried with backoff, no earlier than a Retry-After
 * asks, until `maxAttempts` are spent.
 */
export function deliveryDecision(
  result: AttemptResult,
  attempt: number,
  settings: { maxAttempts: number; retryBaseSeconds: number },
  random: () => number = Math.random,
): DeliveryDecision {
  const status = result.statusCode;
  if (status !== undefined && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  if (attempt >= settings.maxAttempts) return { kind: 'failed' };
  const backoff = retryDelaySeconds(attempt, settings.retryBaseSeconds, random);
  return { kind: 'retry', retryInSeconds: Math.max(backoff, result.retryAfterSeconds ?? 0) };
}

/** A message's webhook-id: `msg_` and its id's 32 hex digits. */
export function webhookIdOf(deliveryId: string): string {
  return `msg_${deliveryId.replace(/-/g, '').toLowerCase()}`;
}

/** The delivery id a webhook-id names, or undefined when it is not one. */
export function deliveryIdOf(webhookId: string): string | undefined {
  const match = /^msg_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i.exec(webhookId);
  return match ? match.slice(1).join('-').toLowerCase() : undefined;
}

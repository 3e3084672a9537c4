/** How long to wait before retry number `attempt` (0 for the first): exponential, with jitter. */
export function backoffDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  // "Equal jitter": at least half the exponential delay, so retries spread out without ever coming early.
  return ceiling / 2 + random() * (ceiling / 2);
}

/** The most a Retry-After is honoured for; a longer one is read as this. */
export const maxRetryAfterMs = 5 * 60_000;

/**
 * The wait a Retry-After header asks for, in milliseconds (RFC 9110: delay-seconds or an HTTP-date),
 * or undefined when there is none or it cannot be read.
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), maxRetryAfterMs);
}

/** Resolves after `ms`, or at once when `signal` aborts (then with false). */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    // Node.js: a wait alone does not keep the process alive; an exit flushes with its own deadline.
    (timer as { unref?: () => void }).unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

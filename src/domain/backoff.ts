/** The longest a failed job waits before its next attempt. */
export const maxBackoffSeconds = 300;

/**
 * Seconds to wait after failed attempt `attempt` (1-based): base × 2^(min(max(n, 1), 10) − 1), capped at
 * {@link maxBackoffSeconds}. With base 2 that is 2, 4, 8 … seconds, as the .NET template waited.
 */
export function backoffSeconds(attempt: number, baseSeconds: number): number {
  const exponent = Math.min(Math.max(attempt, 1), 10) - 1;
  return Math.min(baseSeconds * 2 ** exponent, maxBackoffSeconds);
}

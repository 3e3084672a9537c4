/** The longest a `Prefer: wait` request is held, in seconds; a longer wait is shortened to this. */
export const maxPreferWaitSeconds = 60;

/**
 * The `wait` preference of RFC 7240 from `Prefer` header values (`Prefer: wait=10`, possibly among other
 * preferences: `respond-async, wait=5`), in whole seconds, at most {@link maxPreferWaitSeconds}. Undefined
 * when there is none, or when it is not a delta-seconds value: a preference the server does not
 * understand is ignored, as the RFC asks, rather than refused.
 */
export function preferredWaitSeconds(header: string | readonly string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const values = typeof header === 'string' ? [header] : header;
  for (const value of values) {
    for (const preference of value.split(',')) {
      // A preference may carry parameters after ';' (`wait=5; foo`): only its own value counts.
      const [token, ...rest] = preference.split(';')[0]!.split('=');
      if (token!.trim().toLowerCase() !== 'wait' || rest.length !== 1) continue;
      const raw = rest[0]!.trim().replace(/^"(.*)"$/, '$1');
      if (!/^\d{1,9}$/.test(raw)) return undefined;
      return Math.min(Number(raw), maxPreferWaitSeconds);
    }
  }
  return undefined;
}

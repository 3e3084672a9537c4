/**
 * How log records are written: `json` lines for log shippers, `pretty` readable lines for a person, or
 * `auto`: pretty when standard output is a terminal, JSON otherwise.
 */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** The accepted values of LOG_FORMAT, for error messages. */
export const acceptedLogFormats = 'auto, json or pretty';

/** Parses LOG_FORMAT in any case; undefined when the value is unknown. */
export function parseLogFormat(raw: string): LogFormat | undefined {
  const lower = raw.trim().toLowerCase();
  return lower === 'auto' || lower === 'json' || lower === 'pretty' ? lower : undefined;
}

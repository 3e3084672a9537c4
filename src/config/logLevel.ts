/** The pino level names the service logs with. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

// The .NET template's users set Microsoft.Extensions.Logging names; both vocabularies keep working.
const levelsByName: Readonly<Record<string, LogLevel>> = {
  trace: 'trace',
  debug: 'debug',
  information: 'info',
  info: 'info',
  warning: 'warn',
  warn: 'warn',
  error: 'error',
  critical: 'fatal',
  fatal: 'fatal',
  none: 'silent',
  silent: 'silent',
};

/** Maps a .NET or pino level name, in any case, to a pino level; undefined when the name is unknown. */
export function parseLogLevel(raw: string): LogLevel | undefined {
  return levelsByName[raw.trim().toLowerCase()];
}

/** The accepted names, for error messages. */
export const acceptedLogLevels =
  'Trace, Debug, Information, Warning, Error, Critical, None (or trace, debug, info, warn, error, fatal, silent)';

import pino from 'pino';
import type { LogFormat } from '../config/logFormat.js';
import type { LogLevel } from '../config/logLevel.js';
import { prettyLine } from './prettyLine.js';

/** The service's structured logger (JSON lines on stdout, or readable lines on a terminal). */
export type Logger = pino.Logger;

/** Whether `format` means readable lines on this process's standard output. */
export function isPretty(format: LogFormat): boolean {
  return format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
}

/**
 * Writes each JSON record as a readable line. Runs in the process (no transport thread): only a person at
 * a terminal gets it, where a few microseconds per line do not matter.
 */
function prettyDestination(): pino.DestinationStream {
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return {
    write(line: string) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stdout.write(line);
        return;
      }
      process.stdout.write(prettyLine(record, colour));
    },
  };
}

/** Creates the process's root logger; every component logs through a child of it. */
export function createLogger(level: LogLevel, name: string, format: LogFormat = 'json'): Logger {
  const options: pino.LoggerOptions = {
    level,
    name,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The database password must never reach a log line, whatever object is logged.
    redact: { paths: ['password', '*.password', 'database.password'], censor: '[redacted]' },
  };
  return isPretty(format) ? pino(options, prettyDestination()) : pino(options);
}

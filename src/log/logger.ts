import pino from 'pino';
import type { LogLevel } from '../config/logLevel.js';

/** The service's structured logger (JSON lines on stdout). */
export type Logger = pino.Logger;

/** Creates the process's root logger; every component logs through a child of it. */
export function createLogger(level: LogLevel, name: string): Logger {
  return pino({
    level,
    name,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The database password must never reach a log line, whatever object is logged.
    redact: { paths: ['password', '*.password', 'database.password'], censor: '[redacted]' },
  });
}

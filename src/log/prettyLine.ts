/** Fields every line carries that a person at a terminal does not need to read on each line. */
const omitted = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

const labels: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

// ANSI colours by level; the message stays in the terminal's own colour.
const colours: Readonly<Record<number, string>> = {
  10: '\x1b[90m',
  20: '\x1b[36m',
  30: '\x1b[32m',
  40: '\x1b[33m',
  50: '\x1b[31m',
  60: '\x1b[35m',
};
const dim = '\x1b[2m';
const reset = '\x1b[0m';

/** A field's value as a person reads it: strings bare unless they hold spaces, the rest as JSON. */
function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * One pino JSON record as a readable line: `12:00:01.234 INFO  [ingest] message key=value …`, with
 * an error's stack on the lines below. For a terminal; log shippers get the JSON unchanged.
 */
export function prettyLine(record: Record<string, unknown>, colour: boolean): string {
  const level = typeof record.level === 'number' ? record.level : 30;
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const label = labels[level] ?? String(level);
  const paint = (code: string, text: string) => (colour ? `${code}${text}${reset}` : text);
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (omitted.has(key) || value === undefined) continue;
    if (key === 'err' && value !== null && typeof value === 'object') {
      const err = value as { message?: unknown; stack?: unknown };
      fields.push(`err=${fieldText(err.message)}`);
      if (typeof err.stack === 'string') stack = err.stack;
      continue;
    }
    fields.push(`${key}=${fieldText(value)}`);
  }
  const name = typeof record.name === 'string' ? `[${record.name}] ` : '';
  const message = typeof record.msg === 'string' ? record.msg : '';
  const rest = fields.length > 0 ? ` ${paint(dim, fields.join(' '))}` : '';
  const stackLines = stack ? `\n${paint(dim, stack.replace(/^/gm, '    '))}` : '';
  return `${paint(dim, time)} ${paint(colours[level] ?? '', label)} ${name}${message}${rest}${stackLines}\n`;
}

// SQLSTATE classes and codes that mean "the database cannot serve us right now", not "this request is
// wrong": connection failures (08), shutdown and start-up (57P01–57P03), too many connections (53300),
// and lost transactions after a failover.
const unavailableCodes = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53400',
  '40001',
  '40P01',
  '55P03',
  '57014',
]);

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * Whether an error means the database is unreachable, restarting, overloaded or too slow, so the right
 * answer is "try again later" (503) rather than a server fault. node-postgres reports pool and
 * connection time-outs as plain Errors, recognised here by their messages.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (unavailableCodes.has(code) || code.startsWith('08') || networkCodes.has(code))
  ) {
    return true;
  }
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|Query read timeout/i.test(
    error.message,
  );
}

/**
 * Whether PostgreSQL refused a value it cannot store in text or jsonb (a NUL character, an invalid
 * escape): the client's data, so a 400, not a 500.
 */
export function isUnstorableText(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && unstorableCodes.has(code);
}

// 22P05 untranslatable character (\u0000), 22021 bad encoding, 22P02 invalid text (an unpaired surrogate
// escape in jsonb), 22007/22008/22009 a timestamp PostgreSQL cannot read, or out of its range. The API checks for all of
// these before it stores anything; this is the backstop for whatever those checks miss.
const unstorableCodes = new Set(['22P05', '22021', '22P02', '22007', '22008', '22009']);

/**
 * Whether an insert met a day that has no partition of raw_events yet (migration 007): the maintenance
 * that creates partitions a week ahead has not run for that long. Nothing was stored; it is the
 * operator's to fix (`npm run maintenance`, or a worker process), not the client's. Recognised by what
 * does not depend on the server's language (lc_messages): check_violation (23514) on raw_events itself
 * with no constraint named, where a CHECK constraint's violation names the constraint.
 */
export function isEventPartitionMissing(error: unknown): boolean {
  const fields = error as { code?: unknown; table?: unknown; constraint?: unknown } | null;
  return (
    error instanceof Error &&
    fields?.code === '23514' &&
    fields.table === 'raw_events' &&
    fields.constraint === undefined
  );
}

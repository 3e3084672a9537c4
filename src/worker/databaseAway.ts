import { isDatabaseUnavailable } from '../data/databaseErrors.js';

// Refusals of one statement rather than of the database: a statement timeout or cancel (57014), a
// configured limit such as temp_file_limit (53400), a lock timeout (55P03). The API answers them 503,
// since a client can retry later; for the worker they mean "this batch is too heavy", so retrying the
// same statement fails the same way until the lease runs out, and the real error is never stored.
const statementRefusals = new Set(['57014', '53400', '55P03']);

/**
 * Whether the worker should retry a statement unchanged because the database is away (down,
 * restarting, unreachable, out of connections, a lost transaction), as opposed to having refused this
 * one statement, which the worker answers by splitting the batch and failing the job that causes it.
 */
export function isDatabaseAway(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && statementRefusals.has(code)) return false;
  return isDatabaseUnavailable(error);
}

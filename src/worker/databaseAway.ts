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

/**
 * Runs a fenced statement, retrying while the database is away and at most for `forMs` (one lease
 * length): the worker's statements only act on jobs it still owns, so a retry after an unseen commit
 * changes nothing.
 */
export async function retryWhileDatabaseAway<T>(statement: () => Promise<T>, forMs: number): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await statement();
    } catch (error) {
      if (!isDatabaseAway(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2000)));
    }
  }
}

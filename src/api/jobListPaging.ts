import { decodeCursor, type JobKey } from '../domain/jobCursor.js';
import { pageSizeForm, parsePageSize } from '../domain/jobListFilter.js';
import { ProblemError } from './problem.js';

/**
 * The page a job list's `cursor` and `limit` ask for: the key to continue after (none: the first page)
 * and the page size. Throws a 400 problem naming the field when either is not one the service gives or
 * takes.
 */
export function requestedPage(
  cursor: string | undefined,
  limit: string | undefined,
): { after: JobKey | undefined; size: number } {
  const after = cursor ? decodeCursor(cursor) : undefined;
  if (cursor && !after) {
    throw new ProblemError(
      400,
      'Invalid cursor',
      'The cursor is not one this service gave; start from the first page.',
      {
        errors: { cursor: ['pass nextCursor of a previous page unchanged'] },
      },
    );
  }
  const size = parsePageSize(limit);
  if (size === undefined) {
    throw new ProblemError(400, 'Invalid filter', 'The page size is out of range.', {
      errors: { limit: [pageSizeForm.message] },
    });
  }
  return { after, size };
}

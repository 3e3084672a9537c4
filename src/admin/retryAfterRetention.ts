import { ProblemError } from '../api/problem.js';
import { EventsBeingDroppedError } from '../data/eventsDropLock.js';

/**
 * A retry that waited too long for a maintenance pass detaching a partition past retention (retries and
 * detaches exclude each other, so a retried job never runs with its events gone): try again shortly.
 */
export function retryAfterRetention(jobId?: string): (error: unknown) => never {
  return (error) => {
    if (!(error instanceof EventsBeingDroppedError)) throw error;
    throw new ProblemError(
      503,
      'Retention is dropping events',
      'A maintenance pass is detaching a partition of events past retention (RAW_EVENT_RETENTION_DAYS), ' +
        'and retries wait until it is done; this one waited too long. Nothing was retried; retry in 5 seconds.',
      { retryAfterSeconds: 5, ...(jobId ? { jobId } : {}) },
    );
  };
}

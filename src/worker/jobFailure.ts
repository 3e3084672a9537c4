import { backoffSeconds } from '../domain/backoff.js';
import type { ClaimedJob, IncompleteJob, JobFailure } from '../data/jobQueue.js';
import { PermanentJobError } from '../processing/processor.js';

/** Longest error text stored on a job; a huge message must not bloat every status read. */
const maxErrorLength = 2000;

/**
 * The failure record of one attempt: its error text and, with the contract's backoff, when to retry; a
 * PermanentJobError (thrown by a processor) fails the job at once.
 */
export function jobFailureOf(job: ClaimedJob, error: unknown, baseBackoffSeconds: number): JobFailure {
  const reason = error instanceof Error ? error.message : String(error);
  const permanent = error instanceof PermanentJobError;
  const text = `attempt ${job.attempt} of ${job.maxAttempts} failed${permanent ? ' permanently' : ''}: ${reason}`;
  return {
    id: job.id,
    error: text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text,
    backoffSeconds: backoffSeconds(job.attempt, baseBackoffSeconds),
    ...(permanent ? { permanent } : {}),
  };
}

/**
 * Why a job read fewer events than it was accepted with was not completed. Not a permanent failure: a
 * partition whose detach was interrupted is out of sight until the next maintenance pass puts it back.
 */
export function missingEventsError({ eventsRead, eventCount }: IncompleteJob): Error {
  return new Error(
    `found ${eventsRead} of the ${eventCount} events the job was accepted with, so it was not completed ` +
      'on part of them: the others were dropped by retention (RAW_EVENT_RETENTION_DAYS) or are in a ' +
      'partition being detached',
  );
}

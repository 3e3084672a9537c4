import { backoffSeconds } from '../domain/backoff.js';
import type { ClaimedJob, IncompleteJob, JobFailure } from '../data/jobQueue.js';
import { JobAbortReason, PermanentJobError } from '../processing/processor.js';

/** Longest error text stored on a job; a huge message must not bloat every status read. */
const maxErrorLength = 2000;
/**
 * Longest stack kept in an attempt's history: the frames that locate a processor's bug take a few
 * hundred characters each (V8 keeps ten); the bound is for a stack that repeats a huge message.
 */
const maxStackLength = 4000;
const stackCut = '\n… (stack cut at 4,000 characters)';

/** A failed attempt as the worker records and logs it: the record, and the error itself for the log. */
export interface WorkerJobFailure extends JobFailure {
  cause: unknown;
}

/**
 * The stack to keep of an error, bounded; none for an abort (a timeout's stack is the worker's timer,
 * not the processor) or for something thrown that is not an Error.
 */
function stackOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error instanceof JobAbortReason || typeof error.stack !== 'string') {
    return undefined;
  }
  const { stack } = error;
  return stack.length <= maxStackLength
    ? stack
    : `${stack.slice(0, maxStackLength - stackCut.length)}${stackCut}`;
}

/**
 * The failure record of one attempt: its error text, its stack and, with the contract's backoff, when to
 * retry; a PermanentJobError (thrown by a processor) fails the job at once.
 */
export function jobFailureOf(job: ClaimedJob, error: unknown, baseBackoffSeconds: number): WorkerJobFailure {
  const reason = error instanceof Error ? error.message : String(error);
  const permanent = error instanceof PermanentJobError;
  const stack = stackOf(error);
  const text = `attempt ${job.attempt} of ${job.maxAttempts} failed${permanent ? ' permanently' : ''}: ${reason}`;
  return {
    id: job.id,
    error: text.length > maxErrorLength ? `${text.slice(0, maxErrorLength - 1)}…` : text,
    backoffSeconds: backoffSeconds(job.attempt, baseBackoffSeconds),
    ...(permanent ? { permanent } : {}),
    ...(stack !== undefined ? { stack } : {}),
    cause: error,
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

import type { ClaimedJob } from '../data/jobQueue.js';
import { JobAbortReason, type JobEvent, type JobProcessor } from '../processing/processor.js';

/** How one run of a processor on one job ended. */
export type ProcessorOutcome =
  /** It returned; the output as the JSON text to store. */
  | { kind: 'output'; outputJson: string }
  /** It threw (or its output could not be written as JSON): a failed attempt, Failed at once if permanent. */
  | { kind: 'failed'; error: unknown }
  /** Its signal aborted (lease lost, timeout, shutdown); whatever it returns later is discarded. */
  | { kind: 'aborted'; reason: JobAbortReason };

/**
 * Runs `processor` on one job and settles when it does or when `controller` aborts, whichever comes first:
 * a processor that ignores its signal or never settles is abandoned there, so its slot is free again. The
 * signal aborts on its own after `timeoutSeconds`. `traceparent` is the job's span's, when tracing is on.
 */
export async function runProcessor(
  processor: JobProcessor,
  job: ClaimedJob,
  events: AsyncIterable<JobEvent>,
  controller: AbortController,
  timeoutSeconds: number,
  traceparent?: string,
): Promise<ProcessorOutcome> {
  const { signal } = controller;
  const timer = setTimeout(
    () =>
      controller.abort(
        new JobAbortReason('timeout', `timed out after ${timeoutSeconds} s (JOB_TIMEOUT_SECONDS)`),
      ),
    timeoutSeconds * 1000,
  );
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const output = await Promise.race([
      // Called inside a promise: a processor that throws before its first await fails the same way.
      Promise.resolve().then(() =>
        processor.process({
          job: { id: job.id, tenantId: job.tenantId, attempt: job.attempt, maxAttempts: job.maxAttempts },
          events,
          signal,
          ...(traceparent === undefined ? {} : { traceparent }),
        }),
      ),
      aborted,
    ]);
    if (signal.aborted) return abortedOutcome(signal);
    // undefined (a processor with nothing to say) is stored as JSON null: the job still has an output.
    return { kind: 'output', outputJson: JSON.stringify(output ?? null) };
  } catch (error) {
    if (signal.aborted) return abortedOutcome(signal);
    return { kind: 'failed', error };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}

function abortedOutcome(signal: AbortSignal): ProcessorOutcome {
  const reason: unknown = signal.reason;
  return {
    kind: 'aborted',
    reason: reason instanceof JobAbortReason ? reason : new JobAbortReason('shutdown', String(reason)),
  };
}

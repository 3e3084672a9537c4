import type { Problem, StoredEvent } from './types.js';

/**
 * A batch the service refused for what it is, so sending it again cannot help: invalid events (400,
 * with `fieldErrors` naming each field), a key that may not send it (401, 403), an Idempotency-Key
 * conflict (422), one event too large to send at all (413). Reported through `onError`; not retried.
 */
export class RejectedBatchError extends Error {
  readonly kind = 'rejected';

  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The problem document the service answered, when it did. */
    readonly problem: Problem | undefined,
    /** The events of the refused batch. */
    readonly events: readonly StoredEvent[],
  ) {
    super(
      `The service refused a batch of ${events.length} events with ${status}: ${problem?.detail ?? problem?.title ?? 'no detail'}`,
    );
    this.name = 'RejectedBatchError';
  }

  /** What to fix in each field, as the service named it (`events[3].timestamp`: [...]); empty when none. */
  get fieldErrors(): Record<string, string[]> {
    return (this.problem?.errors as Record<string, string[]> | undefined) ?? {};
  }
}

/**
 * A batch that could not be delivered: the service stayed unreachable or overloaded for every retry
 * (`maxRetries`), or the client was closed before it got through. `cause` is the last failure.
 */
export class UndeliveredBatchError extends Error {
  readonly kind = 'undelivered';

  constructor(
    readonly events: readonly StoredEvent[],
    readonly reason: 'retries exhausted' | 'closed',
    options: { cause?: unknown } = {},
  ) {
    super(`${events.length} events were not delivered: ${reason}`, options);
    this.name = 'UndeliveredBatchError';
  }
}

/** Events dropped, oldest first, because the queue was full (`maxQueueEvents`): the service was away too long. */
export class DroppedEventsError extends Error {
  readonly kind = 'dropped';

  constructor(readonly count: number) {
    super(`The queue was full: ${count} of its oldest events were dropped`);
    this.name = 'DroppedEventsError';
  }
}

/** What `onError` receives. */
export type ClientError = RejectedBatchError | UndeliveredBatchError | DroppedEventsError;

/** An answer of the API other than the one a read asked for (404 for an unknown job, 401, 403, …). */
export class IngestApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(`The service answered ${status}: ${problem?.detail ?? problem?.title ?? 'no detail'}`);
    this.name = 'IngestApiError';
  }
}

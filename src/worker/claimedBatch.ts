import type { ClaimedJob, FinishReport } from '../data/jobQueue.js';
import { batchPlacement, inSpan, type TraceSpan, type Tracing } from '../tracing/tracing.js';
import type { WorkerOptions } from './workerOptions.js';

/** What a batch needs from its worker to run the statements that finish its jobs. */
export interface BatchSurroundings {
  tracing: Tracing;
  options: Pick<WorkerOptions, 'hooks' | 'onWebhooksWritten'>;
  /** Runs a fenced statement, retrying it while the database is away (for at most one lease). */
  whileLeaseHeld<T>(statement: () => Promise<T>): Promise<T>;
}

/**
 * One claimed batch: its jobs, when it was claimed, its spans, and how a statement that finishes some of
 * its jobs is run.
 *
 * Spans: each job's trace (the traceparent stored with it by the API) goes on in a span of its own,
 * `process ingestion job`, from its claim to its outcome, a child, so a job's life is one trace from the
 * POST to its last statement. The claim and each statement that finishes jobs cover the whole batch: for
 * one job they are children in its trace; for several, from several requests, they can have only one
 * parent, so they start a trace of their own and link to each job's span (the OpenTelemetry messaging
 * conventions' answer for a batch).
 */
export class ClaimedBatch {
  private readonly spans = new Map<string, TraceSpan>();

  /** `claimStartedAt` is the `performance.now()` reading taken before the claim statement. */
  constructor(
    readonly jobs: readonly ClaimedJob[],
    readonly claimStartedAt: number,
    private readonly surroundings: BatchSurroundings,
  ) {
    const { tracing } = surroundings;
    if (!tracing.enabled) return;
    tracing
      .startSpan('claim ingestion jobs', {
        ...batchPlacement(jobs.map((job) => job.traceparent)),
        startTime: claimStartedAt,
        attributes: { 'ingest.jobs.count': jobs.length },
      })
      .end();
    for (const job of jobs) {
      const attributes = {
        'ingest.job.id': job.id,
        'ingest.tenant.id': job.tenantId,
        'ingest.job.attempt': job.attempt,
      };
      this.spans.set(
        job.id,
        tracing.startSpan('process ingestion job', {
          parent: job.traceparent,
          startTime: claimStartedAt,
          attributes,
        }),
      );
    }
  }

  /** A job's span, for work on it alone (a processor's run); undefined when tracing is off. */
  spanOf(jobId: string): TraceSpan | undefined {
    return this.spans.get(jobId);
  }

  /**
   * Runs a statement that finishes jobs `ids` (fenced, retried while the database is away) in a span named
   * `name`. Once it committed, the jobs `finishedOf` its result names go to the after-finish hook, and the
   * webhook delivery loop is woken when the statement wrote messages for it.
   */
  async finish<T>(
    name: string,
    ids: readonly string[],
    statement: (report: FinishReport) => Promise<T>,
    finishedOf: (result: T) => readonly string[],
  ): Promise<T> {
    const { tracing, options, whileLeaseHeld } = this.surroundings;
    const report: FinishReport = { webhooks: 0 };
    const placement = batchPlacement(ids.map((id) => this.spans.get(id)));
    const attributes = { 'ingest.jobs.count': ids.length, 'db.system.name': 'postgresql' };
    const result = await inSpan(tracing, name, { ...placement, attributes }, () =>
      whileLeaseHeld(() => statement(report)),
    );
    const finished = finishedOf(result);
    if (finished.length > 0) options.hooks?.afterFinish?.(finished);
    if (report.webhooks > 0) options.onWebhooksWritten?.();
    return result;
  }

  /** Marks a job's span as failed: its attempt failed with `error`. */
  failed(jobId: string, error: string): void {
    this.spans.get(jobId)?.fail(new Error(error));
  }

  /** Ends every job's span. */
  end(): void {
    for (const span of this.spans.values()) span.end();
  }
}

import { JobAbortReason } from '../processing/processor.js';

/**
 * The abort signals of the processors a worker runs, with how long each one's lease is known to hold:
 * from the start of the claim or of the last renewal that kept it. A processor whose lease ran out is
 * aborted even when no renewal could reach the database to learn it, since the sweep of another worker
 * may have taken the job already.
 */
export class ProcessorSignals {
  private readonly running = new Map<string, { controller: AbortController; leaseUntil: number }>();

  /** A signal for a processor starting on `jobId`, whose lease holds until `leaseUntil` (performance.now()). */
  start(jobId: string, leaseUntil: number): AbortController {
    const controller = new AbortController();
    this.running.set(jobId, { controller, leaseUntil });
    return controller;
  }

  /** The processor on `jobId` settled (or was abandoned): nothing aborts it any more. */
  finish(jobId: string): void {
    this.running.delete(jobId);
  }

  /** The jobs with a processor running. */
  jobIds(): string[] {
    return [...this.running.keys()];
  }

  /** A renewal that started at `startedAt` kept these leases for another `leaseMs`. */
  renewed(ids: Iterable<string>, startedAt: number, leaseMs: number): void {
    for (const id of ids) {
      const entry = this.running.get(id);
      if (entry) entry.leaseUntil = startedAt + leaseMs;
    }
  }

  /** Aborts the processors whose lease is not known to hold any more. */
  abortExpired(now: number): void {
    const expired = [...this.running].filter(([, entry]) => entry.leaseUntil < now).map(([id]) => id);
    this.abort(
      expired,
      new JobAbortReason('lease-lost', 'the lease ran out before a renewal could reach the database'),
    );
  }

  /** Aborts the processors of these jobs with `reason`. */
  abort(ids: readonly string[], reason: JobAbortReason): void {
    for (const id of ids) this.running.get(id)?.controller.abort(reason);
  }
}

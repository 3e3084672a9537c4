/**
 * Runs the delivery loop's statements one at a time: it shares the worker's pool, and so never holds
 * more than one of its connections (for the few milliseconds of a claim or an outcome statement), leaving
 * the others to the claim loops, the heartbeat and the lease sweep.
 */
export class StatementLane {
  private last: Promise<unknown> = Promise.resolve();

  /** Runs `statement` once every statement queued before it has settled. */
  run<T>(statement: () => Promise<T>): Promise<T> {
    const next = this.last.then(statement, statement);
    this.last = next.catch(() => undefined);
    return next;
  }
}

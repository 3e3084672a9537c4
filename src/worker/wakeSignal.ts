/**
 * Lets idle claim loops sleep until there may be work: a notification, the poll interval, or shutdown.
 * A wake-up that arrives while no loop is waiting is remembered, so a job announced between a loop's
 * empty claim and its next wait is not left for the poll.
 */
export class WakeSignal {
  private waiters: Array<(announced: string[] | undefined) => void> = [];
  private pending = false;

  /**
   * Resolves at the next wake-up or after `timeoutMs`, whichever comes first: with the ids of the jobs
   * announced to this loop alone (see announce), else undefined.
   */
  wait(timeoutMs: number): Promise<string[] | undefined> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const waiters = this.waiters;
      function done(announced: string[] | undefined): void {
        clearTimeout(timer);
        const index = waiters.indexOf(done);
        if (index >= 0) waiters.splice(index, 1);
        resolve(announced);
      }
      waiters.push(done);
    });
  }

  /** Wakes every waiting loop. */
  wake(): void {
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    for (const waiter of [...this.waiters]) waiter(undefined);
  }

  /**
   * New jobs, by id: one waiting loop is handed them to claim by id, and the others sleep on (they would
   * only race it for the same rows). With no loop waiting, as wake(): every loop is busy and its next
   * claim finds them.
   */
  announce(ids: string[]): void {
    const [first] = this.waiters;
    if (first) first(ids);
    else this.pending = true;
  }
}

/**
 * Lets idle claim loops sleep until there may be work: a notification, the poll interval, or shutdown.
 * A wake-up that arrives while no loop is waiting is remembered, so a job announced between a loop's
 * empty claim and its next wait is not left for the poll.
 */
export class WakeSignal {
  private waiters: Array<() => void> = [];
  private pending = false;

  /** Resolves at the next wake-up or after `timeoutMs`, whichever comes first. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        const index = waiters.indexOf(done);
        if (index >= 0) waiters.splice(index, 1);
        resolve();
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
    for (const waiter of [...this.waiters]) waiter();
  }
}

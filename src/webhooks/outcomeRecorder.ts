import type { Pool } from '../data/pool.js';
import { webhookDeliveriesRecord, type DeliveryOutcome } from '../data/webhookDeliveries.js';
import type { Logger } from '../log/logger.js';
import type { StatementLane } from './statementLane.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes attempts' outcomes, many per statement: while one statement runs, outcomes queue, and the next
 * statement takes them all (as the API's insert batcher does with jobs). When the database is away the
 * outcomes wait and are tried again; a message whose outcome is never written is due again when its
 * claim's lease ends and goes out once more, with the same webhook-id (at least once, never lost).
 */
export class OutcomeRecorder {
  private queue: DeliveryOutcome[] = [];
  private flushing: Promise<void> | undefined;
  private stopped = false;

  /**
   * @param onRecorded told, after each statement, how many messages it finished for good (delivered or
   * given up) and how many were given up
   */
  constructor(
    private readonly pool: Pool,
    private readonly lane: StatementLane,
    private readonly owner: string,
    private readonly log: Logger,
    private readonly onRecorded: (givenUp: number) => void,
  ) {}

  /** Queues an outcome; it is written with the next statement. */
  record(outcome: DeliveryOutcome): void {
    this.queue.push(outcome);
    this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
  }

  /** Waits until the queue is written, or `deadlineMs` has passed; then writes nothing more. */
  async stop(deadlineMs: number): Promise<void> {
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
    while (
      this.flushing &&
      (await Promise.race([this.flushing.then(() => true), deadline.then(() => false)]))
    ) {
      // A statement ended; record() may have started the next one.
    }
    this.stopped = true;
  }

  private async flush(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0 && !this.stopped) {
      const batch = this.queue;
      this.queue = [];
      try {
        const { recorded, givenUp } = await this.lane.run(() =>
          webhookDeliveriesRecord(this.pool, this.owner, batch),
        );
        failures = 0;
        const failed = recorded.filter((message) => message.status === 'failed').length;
        this.onRecorded(failed + givenUp);
      } catch (error) {
        failures += 1;
        this.queue = [...batch, ...this.queue];
        const retryInMs = Math.min(100 * 2 ** failures, 2000);
        this.log.warn({ err: error, outcomes: batch.length, retryInMs }, 'could not record webhook outcomes');
        await sleep(retryInMs);
      }
    }
  }
}

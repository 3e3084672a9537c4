import { eventsDropLockRelease, eventsDropLockTake } from '../data/eventsDropLock.js';
import { backendsCancelByStatement, maintenanceLockTry } from '../data/partitionStore.js';
import type { Pool, PoolClient } from '../data/pool.js';

/** How often the holding connection shows it is alive, well inside its idle timeout below. */
const keepAliveMs = 10_000;

/**
 * If the process holding the lock freezes, the server ends its idle transaction after this long and
 * the lock goes with it, so a frozen worker cannot stop maintenance for good.
 */
const holderIdleTimeoutMs = 60_000;

/**
 * The maintenance lock, held by an open transaction on one connection of its own while the pass runs its
 * steps on another: the steps are short transactions of their own and DETACH ... CONCURRENTLY, which
 * cannot run inside a transaction at all. The holding transaction is READ COMMITTED and writes nothing,
 * so it has no transaction id and, between its statements, no snapshot: it holds back neither vacuum nor
 * a concurrent detach's wait for older transactions. Behind a transaction-mode pooler it pins one server
 * connection for the pass, which is what keeps a transaction-level lock held there.
 */
export class MaintenanceLock {
  private lostWith: Error | undefined;
  private readonly timer: NodeJS.Timeout;
  private pinging = false;

  private constructor(
    private readonly client: PoolClient,
    /** The database's clock when the lock was taken. */
    readonly databaseNow: Date,
  ) {
    client.on('error', this.onError);
    this.timer = setInterval(() => void this.ping(), keepAliveMs);
    this.timer.unref();
  }

  /** Takes the lock if no other process holds it; undefined when one does (its pass does the work). */
  static async take(pool: Pool): Promise<MaintenanceLock | undefined> {
    const client = await pool.connect();
    try {
      // Simple queries only (no bound parameters): an extended-protocol statement leaves its portal, and
      // the portal's snapshot, in place until the transaction ends, and that would hold back vacuum.
      await client.query(
        `BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL idle_in_transaction_session_timeout = ${holderIdleTimeoutMs}`,
      );
      const { acquired, databaseNow } = await maintenanceLockTry(client);
      if (acquired) return new MaintenanceLock(client, databaseNow);
      await client.query('ROLLBACK');
      client.release();
      return undefined;
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
  }

  /** Set once the holding connection failed: the lock may be gone, and the pass must stop. */
  get lost(): Error | undefined {
    return this.lostWith;
  }

  /** Cancels a step's statement that waits too long, from this connection (see partitionDetach). */
  async cancelStatement(statement: string): Promise<void> {
    if (!this.lostWith) await backendsCancelByStatement(this.client, statement);
  }

  /**
   * Takes, on the holding connection, the lock an operator's retry shares (src/data/eventsDropLock.ts),
   * waiting at most `timeoutMs` (then a lock_timeout error): while it is held no Failed job can become
   * unfinished, so a partition found without unfinished jobs stays so until it is detached.
   */
  async holdEventsDrop(timeoutMs: number): Promise<void> {
    if (this.lostWith) throw this.lostWith;
    await eventsDropLockTake(this.client, timeoutMs);
  }

  /** Lets retries in again; the maintenance lock stays held. */
  async releaseEventsDrop(): Promise<void> {
    if (!this.lostWith) await eventsDropLockRelease(this.client).catch((error: Error) => this.onError(error));
  }

  /** Ends the holding transaction, and with it the lock. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    this.client.off('error', this.onError);
    if (this.lostWith) {
      this.client.release(this.lostWith);
      return;
    }
    try {
      await this.client.query('ROLLBACK');
      this.client.release();
    } catch (error) {
      this.client.release(error as Error);
    }
  }

  private readonly onError = (error: Error) => {
    this.lostWith ??= error;
  };

  private async ping(): Promise<void> {
    if (this.pinging || this.lostWith) return;
    this.pinging = true;
    try {
      await this.client.query('SELECT 1');
    } catch (error) {
      this.lostWith ??= error as Error;
    } finally {
      this.pinging = false;
    }
  }
}

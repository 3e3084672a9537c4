/** What {@link InflightBytes.tryReserve} decided. */
export type ReserveOutcome = 'reserved' | 'full' | 'holder-full';

/**
 * The request-body bytes the API holds at once. Every byte of a body stands for several in memory while
 * its request runs (the received chunks, their decoded string, the parsed objects, the events' JSON text
 * and the insert statement's parameter), so bounding the bytes bounds the process's memory; see
 * docs/performance.md for the measured factor. A holder (a tenant) may hold at most `holderLimit` of them,
 * so that one tenant cannot take the whole budget from the others.
 */
export class InflightBytes {
  #held = 0;
  readonly #byHolder = new Map<string, number>();

  constructor(
    readonly limit: number,
    readonly holderLimit: number = limit,
  ) {}

  /** Bytes reserved now. */
  get held(): number {
    return this.#held;
  }

  /** Bytes `holder` has reserved now. */
  heldBy(holder: string): number {
    return this.#byHolder.get(holder) ?? 0;
  }

  /**
   * Reserves `bytes` for `holder` if they fit under both limits; a request alone larger than the limit
   * never fits. Without a holder, only the whole budget counts.
   */
  tryReserve(bytes: number, holder?: string): ReserveOutcome {
    if (this.#held + bytes > this.limit) return 'full';
    if (holder !== undefined) {
      const mine = this.heldBy(holder);
      if (mine + bytes > this.holderLimit) return 'holder-full';
      this.#byHolder.set(holder, mine + bytes);
    }
    this.#held += bytes;
    return 'reserved';
  }

  /** Gives back bytes reserved earlier. */
  release(bytes: number, holder?: string): void {
    this.#held = Math.max(0, this.#held - bytes);
    if (holder === undefined) return;
    const left = this.heldBy(holder) - bytes;
    if (left > 0) this.#byHolder.set(holder, left);
    else this.#byHolder.delete(holder);
  }
}

/**
 * A token bucket: `rate` tokens a second, holding at most `capacity`. A cost larger than the capacity is
 * let through once the bucket is full and leaves it in debt, so a request bigger than one second's budget
 * is slowed to the rate rather than refused for ever. Time is passed in (milliseconds), so the bucket
 * does no I/O and tests need no clock.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private rate: number,
    private capacity: number,
    now: number,
  ) {
    this.#tokens = capacity;
    this.#at = now;
  }

  /** Changes the rate and capacity (a process's share of a global limit moves with the process count). */
  resize(rate: number, capacity: number, now: number): void {
    this.#refill(now);
    this.rate = rate;
    this.capacity = capacity;
    this.#tokens = Math.min(this.#tokens, capacity);
  }

  /** Tokens available now (negative while in debt). */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Whether `cost` would be let through now. */
  allows(cost: number, now: number): boolean {
    this.#refill(now);
    return this.#tokens >= Math.min(cost, this.capacity);
  }

  /** Takes `cost` tokens; call after {@link allows}. */
  take(cost: number, now: number): void {
    this.#refill(now);
    this.#tokens -= cost;
  }

  /** Seconds until `cost` would be let through (0 if now). */
  secondsUntil(cost: number, now: number): number {
    this.#refill(now);
    const missing = Math.min(cost, this.capacity) - this.#tokens;
    return missing <= 0 ? 0 : missing / this.rate;
  }

  /** Whether the bucket is full, so forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.capacity;
  }

  #refill(now: number): void {
    if (now > this.#at) {
      this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.rate);
      this.#at = now;
    }
  }
}

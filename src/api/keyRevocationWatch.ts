/** Looks a key up again: its caller, or undefined once it is revoked, expired or unknown. */
export type KeyLookup = (keyText: string) => Promise<unknown>;

/**
 * Tells requests that hold on to their key for long (`Prefer: wait`) when it stops being usable. Every
 * `intervalMs`, while anything is watched, each distinct key watched is looked up again through the
 * authenticator, whose cache keeps that to one database read per key a second however many requests
 * hold it; a key no longer found ends its watchers. A revocation is so seen within the cache's second
 * plus one interval. A failed look-up (the database away) ends nothing: the next round asks again.
 */
export class KeyRevocationWatch {
  readonly #watchers = new Map<string, Set<() => void>>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(
    private readonly lookup: KeyLookup,
    private readonly intervalMs = 500,
  ) {}

  /** Calls `onRevoked` once `keyText` is no longer usable; returns what stops watching. */
  watch(keyText: string, onRevoked: () => void): () => void {
    const set = this.#watchers.get(keyText) ?? new Set();
    set.add(onRevoked);
    this.#watchers.set(keyText, set);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#runRound(), this.intervalMs);
      this.#timer.unref();
    }
    return () => {
      set.delete(onRevoked);
      if (set.size === 0 && this.#watchers.get(keyText) === set) this.#watchers.delete(keyText);
      if (this.#watchers.size === 0) this.stop();
    };
  }

  /** Stops looking keys up (the API stops); nothing is called any more. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #runRound(): void {
    // A round still waiting on the database is not overtaken by the next.
    if (this.#checking) return;
    this.#checking = true;
    void this.#check().finally(() => (this.#checking = false));
  }

  async #check(): Promise<void> {
    await Promise.all(
      [...this.#watchers.keys()].map(async (keyText) => {
        const caller = await this.lookup(keyText).catch(() => true);
        if (caller !== undefined) return;
        const set = this.#watchers.get(keyText);
        this.#watchers.delete(keyText);
        for (const onRevoked of set ?? []) onRevoked();
      }),
    );
    if (this.#watchers.size === 0) this.stop();
  }
}

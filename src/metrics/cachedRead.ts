/** A read from the database a gauge collects from, reused for a while. */
export interface CachedSource<T> {
  read(): Promise<T>;
  /** A value younger than this is served again instead of asking the database. */
  cacheSeconds: number;
  /** Told when a read fails; the gauges then keep their last values. */
  onError(error: unknown): void;
}

/**
 * The value of `source`, read at most once per `cacheSeconds` however often and by however many scrapers
 * it is asked for: callers that arrive while a read runs wait for that read instead of starting another.
 * Undefined until a read succeeds.
 */
export function cachedRead<T>(source: CachedSource<T>): () => Promise<T | undefined> {
  let last: T | undefined;
  let lastAt = -Infinity;
  let running: Promise<T | undefined> | undefined;
  return () => {
    if (performance.now() - lastAt < source.cacheSeconds * 1000) return Promise.resolve(last);
    running ??= source
      .read()
      .then(
        (value) => {
          last = value;
          lastAt = performance.now();
          return value;
        },
        (error: unknown) => {
          source.onError(error);
          // Not retried before the cache time either: a struggling database is not asked at every scrape.
          lastAt = performance.now();
          return last;
        },
      )
      .finally(() => (running = undefined));
    return running;
  };
}

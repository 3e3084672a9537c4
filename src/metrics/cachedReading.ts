/**
 * A reading of the database for a gauge, taken at most once per `cacheSeconds` however often and by
 * however many scrapers it is asked for: asks that arrive while a reading runs wait for it instead of
 * starting another. A failed reading is told to `onError`, the last good one is served instead, and it is
 * not tried again before the cache time either: a struggling database is not asked at every scrape.
 */
export function cachedReading<T>(
  read: () => Promise<T>,
  cacheSeconds: number,
  onError: (error: unknown) => void,
): () => Promise<T | undefined> {
  let last: T | undefined;
  let lastAt = -Infinity;
  let running: Promise<T | undefined> | undefined;
  return () => {
    if (performance.now() - lastAt < cacheSeconds * 1000) return Promise.resolve(last);
    running ??= read()
      .then(
        (value) => (last = value),
        (error: unknown) => {
          onError(error);
          return last;
        },
      )
      .finally(() => {
        lastAt = performance.now();
        running = undefined;
      });
    return running;
  };
}

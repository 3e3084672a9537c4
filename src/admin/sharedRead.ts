/**
 * A read shared by every request for `maxAgeMs`: with many dashboards open and refreshing, the database
 * answers it once per period, and requests arriving while it runs wait for that answer instead of
 * starting another. A failed read is not kept: the next request asks again.
 */
export function sharedRead<T>(read: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || performance.now() - last.at > maxAgeMs) {
      const value = read();
      const entry = { at: performance.now(), value };
      last = entry;
      value.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.value;
  };
}

/**
 * The key events are grouped by: the type ignoring case. It is computed here rather than with SQL
 * `lower()` because `lower()` follows the database's collation (a `C` database folds ASCII only), and a
 * job's results must not depend on how the database was created.
 */
export function eventTypeKey(type: string): string {
  return type.toLowerCase();
}

/** Orders results by their key in code-point order, the same order `COLLATE "C"` gives in the database. */
export function compareEventTypeKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

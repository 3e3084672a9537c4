// The template grouped event types with .NET's StringComparer.OrdinalIgnoreCase: each character mapped
// to upper case on its own, by Unicode's simple (one-to-one) mapping of the invariant culture. Lowercasing
// is not the same rule: it maps a word-final Σ to ς, so ΟΔΟΣ and οδοσ fell into two groups.

// .NET leaves these three out of its invariant casing, for compatibility (dotnet/runtime#55520): the
// Turkish dotted and dotless i (İ, ı) and the long s (ſ) stay themselves.
const notMapped = /[\u0130\u0131\u017f]/u;

// JavaScript's toUpperCase() applies the full mappings (ß → SS, ᾳ → ΑΙ). Where a full mapping has more
// than one character, the simple mapping is the character itself, except for these Greek letters with
// a iota subscript, whose simple upper case is the matching letter with prosgegrammeni.
const simpleUpperOfExpanding = new Map<number, number>([
  ...Array.from({ length: 8 }, (_, i) => [0x1f80 + i, 0x1f88 + i] as const),
  ...Array.from({ length: 8 }, (_, i) => [0x1f90 + i, 0x1f98 + i] as const),
  ...Array.from({ length: 8 }, (_, i) => [0x1fa0 + i, 0x1fa8 + i] as const),
  [0x1fb3, 0x1fbc],
  [0x1fc3, 0x1fcc],
  [0x1ff3, 0x1ffc],
]);

/** The simple upper case of one code point, as .NET's invariant culture maps it. */
export function simpleUpperCodePoint(codePoint: number): number {
  if (codePoint < 0x80) return codePoint >= 0x61 && codePoint <= 0x7a ? codePoint - 32 : codePoint;
  if (codePoint === 0x130 || codePoint === 0x131 || codePoint === 0x17f) return codePoint;
  const mapped = simpleUpperOfExpanding.get(codePoint);
  if (mapped !== undefined) return mapped;
  const char = String.fromCodePoint(codePoint);
  const upper = char.toUpperCase();
  const first = upper.codePointAt(0)!;
  // One code point in, one out: the full mapping is the simple one. More than one: no simple mapping.
  return String.fromCodePoint(first) === upper ? first : codePoint;
}

/**
 * The key events are grouped by: the type with each code point mapped to its simple upper case, as
 * .NET's ordinal-ignore-case comparison does (`ß` stays `ß`, `ς` and `σ` both become `Σ`). It is
 * computed here rather than with SQL `upper()`, which follows the database's collation (a `C` database
 * folds ASCII only, ICU applies the full mappings), so a job's results do not depend on how the
 * database was created.
 */
export function eventTypeKey(type: string): string {
  const upper = type.toUpperCase();
  // The common case: no character expanded, and none of the three .NET leaves alone.
  if (upper.length === type.length && !notMapped.test(type)) return upper;
  let key = '';
  for (const char of type) key += String.fromCodePoint(simpleUpperCodePoint(char.codePointAt(0)!));
  return key;
}

/**
 * Orders keys by code point, the order `COLLATE "C"` gives in a UTF-8 database. JavaScript's `<`
 * compares UTF-16 units instead, which puts characters above U+FFFF (😀) before U+E000–U+FFFF (ｂ).
 */
export function compareEventTypeKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Units differ here; a surrogate (a code point above U+FFFF) outranks any other unit.
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

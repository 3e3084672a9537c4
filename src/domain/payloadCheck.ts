// A UTF-16 surrogate without its partner: JSON can carry it as an escape (\ud800), UTF-8 cannot.
const unpairedSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why PostgreSQL cannot store `text` as text or in jsonb, or undefined when it can: a NUL character, or
 * an unpaired surrogate (jsonb refuses it; a text column would silently store U+FFFD instead).
 */
export function unstorableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (unpairedSurrogate.test(text)) return 'must not contain an unpaired UTF-16 surrogate (such as \\ud800)';
  return undefined;
}

/** How deep a payload may nest objects and arrays. */
export const maxPayloadDepth = 64;

/**
 * Finds what PostgreSQL or JavaScript cannot store faithfully in a payload: a `\u0000` or an unpaired
 * surrogate in a string or key (PostgreSQL's jsonb refuses both), nesting deeper than
 * {@link maxPayloadDepth} (deep enough for any real event, shallow enough that no recursive serializer
 * overflows its stack), and numbers that did not fit a double (JSON.parse turns them into Infinity,
 * which would be stored as null).
 * Returns a message naming the problem, or undefined when the payload is fine. Walks iteratively, so a
 * hostile nesting depth cannot overflow the stack here either.
 */
export function findPayloadProblem(payload: unknown): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: payload, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unstorableTextProblem(value);
      if (problem) return problem;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'contains a number too large to store';
    } else if (value !== null && typeof value === 'object') {
      if (depth >= maxPayloadDepth)
        return `must not nest objects or arrays deeper than ${maxPayloadDepth} levels`;
      if (Array.isArray(value)) {
        for (const item of value) stack.push({ value: item, depth: depth + 1 });
      } else {
        for (const [key, item] of Object.entries(value)) {
          const problem = unstorableTextProblem(key);
          if (problem) return `${problem} in a key`;
          stack.push({ value: item, depth: depth + 1 });
        }
      }
    }
  }
  return undefined;
}

// A UTF-16 surrogate without its partner: JSON can carry it as an escape (\ud800), UTF-8 cannot.
const unpairedSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Any character that could be one of the two problems below: most text has none, and one test of this
// is cheaper than looking for each.
// eslint-disable-next-line no-control-regex -- NUL is exactly what it looks for
const suspectCharacter = /[\u0000\ud800-\udfff]/;

/**
 * Why PostgreSQL cannot store `text` as text or in jsonb, or undefined when it can: a NUL character, or
 * an unpaired surrogate (jsonb refuses it; a text column would silently store U+FFFD instead).
 */
export function unstorableTextProblem(text: string): string | undefined {
  if (!suspectCharacter.test(text)) return undefined;
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
 * Returns a message naming the problem, or undefined when the payload is fine. The walk recurses, but
 * stops at the depth limit, so a hostile nesting cannot overflow the stack here either; it allocates
 * nothing for a payload without problems, since it runs for every event of every request.
 */
export function findPayloadProblem(payload: unknown): string | undefined {
  return problemIn(payload, 0);
}

function problemIn(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return unstorableTextProblem(value);
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : 'contains a number too large to store';
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= maxPayloadDepth)
    return `must not nest objects or arrays deeper than ${maxPayloadDepth} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const problem = problemIn(value[i], depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  const object = value as Record<string, unknown>;
  // JSON.parse builds plain objects: for…in visits exactly their own keys, without an array of them.
  for (const key in object) {
    const keyProblem = unstorableTextProblem(key);
    if (keyProblem) return `${keyProblem} in a key`;
    const problem = problemIn(object[key], depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

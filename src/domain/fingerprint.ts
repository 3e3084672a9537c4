import { createHash } from 'node:crypto';

/**
 * JSON text with object keys sorted at every level, so two bodies that differ only in key order or
 * whitespace give the same text. Walks iteratively: a body may nest far deeper than the call stack
 * allows (a property the schema does not know is not depth-checked), and must not crash the request.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  // Work to do, last first: a value to write, or literal text (brackets, commas, keys).
  const tasks: Array<string | { value: unknown }> = [{ value }];
  while (tasks.length > 0) {
    const task = tasks.pop()!;
    if (typeof task === 'string') {
      parts.push(task);
      continue;
    }
    const current = task.value;
    if (current === null || typeof current !== 'object') {
      parts.push(JSON.stringify(current) ?? 'null');
    } else if (Array.isArray(current)) {
      parts.push('[');
      tasks.push(']');
      for (let i = current.length - 1; i >= 0; i -= 1) {
        tasks.push({ value: current[i] });
        if (i > 0) tasks.push(',');
      }
    } else {
      const keys = Object.keys(current).sort();
      parts.push('{');
      tasks.push('}');
      for (let i = keys.length - 1; i >= 0; i -= 1) {
        tasks.push({ value: (current as Record<string, unknown>)[keys[i]!] });
        tasks.push(`${JSON.stringify(keys[i])}:`);
        if (i > 0) tasks.push(',');
      }
    }
  }
  return parts.join('');
}

/**
 * The fingerprint stored with a job that came with an Idempotency-Key: the SHA-256 of the canonical
 * body, hex-encoded. A replay with the same key must carry the same fingerprint, or it is refused.
 */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

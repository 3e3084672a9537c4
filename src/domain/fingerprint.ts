import { createHash } from 'node:crypto';

/**
 * JSON text with object keys sorted at every level, so two bodies that differ only in key order or
 * whitespace give the same text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/**
 * The fingerprint stored with a job that came with an Idempotency-Key: the SHA-256 of the canonical
 * body, hex-encoded. A replay with the same key must carry the same fingerprint, or it is refused.
 */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

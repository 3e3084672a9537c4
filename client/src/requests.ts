import type { Problem } from './types.js';

/** The headers every request carries: the key, when there is one. */
export function authorization(key: string | undefined): Record<string, string> {
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

/** A random Idempotency-Key (128 bits); crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The problem document of an error answer, or undefined when its body is not one. */
export async function problemOf(response: Response): Promise<Problem | undefined> {
  try {
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('json')) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as Problem;
  } catch {
    return undefined;
  }
}

/** Whether an answer asks the client to come back: too many requests, or the service unavailable. */
export const isRetryable = (status: number) => status === 429 || status === 408 || status >= 500;

import { createHmac } from 'node:crypto';
import { webhookSecretKey } from './webhookSecret.js';

/** The three headers that identify and sign a message (Standard Webhooks). */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs one attempt of a message: `webhook-signature` holds `v1,` and the base64 HMAC-SHA256 of
 * `{id}.{timestamp}.{body}` under each secret, separated by spaces (two while a rotated-out secret still
 * signs), so a receiver that knows either secret accepts it. The timestamp is the attempt's own, in Unix
 * seconds: a receiver refuses a stale one, so a retry a day later is signed anew; the id stays the same.
 */
export function signWebhook(
  id: string,
  timestampSeconds: number,
  body: string,
  secrets: readonly string[],
): SignedHeaders {
  const content = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map(
    (secret) => `v1,${createHmac('sha256', webhookSecretKey(secret)).update(content).digest('base64')}`,
  );
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}

import { randomBytes } from 'node:crypto';

const secretPrefix = 'whsec_';

/** A new signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return secretPrefix + randomBytes(32).toString('base64');
}

/** The HMAC key a secret stands for: the base64 after `whsec_`, decoded. */
export function webhookSecretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, 'base64');
}

import { createHash, randomBytes } from 'node:crypto';

/** What a key may do: submit for its tenant, read its tenant's jobs, or use the admin API. */
export type KeyKind = 'write' | 'read' | 'admin';

/** Every kind, in the order the CLI lists them. */
export const keyKinds: readonly KeyKind[] = ['write', 'read', 'admin'];

/** Random bytes in a key: 192 bits, well over the 128 that make guessing hopeless. */
const secretBytes = 24;
/** base64url of 24 bytes, without padding. */
const secretLength = 32;

/** Longest key text accepted for a look-up: anything longer is not a key and is refused unread. */
export const maxKeyTextLength = 'ik_admin_'.length + secretLength;

const keyPattern = new RegExp(`^ik_(write|read|admin)_[A-Za-z0-9_-]{${secretLength}}$`);

/** A new key: its text, shown once, and what is stored of it. */
export interface NewKeyText {
  text: string;
  digest: Buffer;
  /** The prefix and four characters of the secret, to recognise the key in a list. */
  hint: string;
}

/**
 * SHA-256 of the key's text. A key holds 192 random bits: no one can find a text for a digest by
 * trying, so the slow, salted hashes made for passwords (which people choose) would add only latency.
 */
export function keyDigest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Makes a key of `kind`: `ik_<kind>_` and 32 base64url characters (24 random bytes). */
export function generateKeyText(kind: KeyKind): NewKeyText {
  const text = `ik_${kind}_${randomBytes(secretBytes).toString('base64url')}`;
  return { text, digest: keyDigest(text), hint: text.slice(0, `ik_${kind}_`.length + 4) };
}

/** The kind a key's prefix names, or undefined when the text does not have a key's form. */
export function kindOfKeyText(text: string): KeyKind | undefined {
  if (text.length > maxKeyTextLength) return undefined;
  return keyPattern.exec(text)?.[1] as KeyKind | undefined;
}

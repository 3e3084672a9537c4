/** What an Authorization header came to, before any key is looked up. */
export type CredentialReading =
  | { outcome: 'missing' }
  | { outcome: 'key'; text: string }
  /** The header is there but cannot carry a key; `detail` says how to send one. */
  | { outcome: 'malformed'; detail: string };

/** Longer than any key in any scheme: refused without decoding. */
const maxHeaderLength = 1024;

/**
 * Reads the API key from the Authorization header, given every occurrence of the header as it arrived
 * (Node keeps only the first of repeated ones, which would hide that the client sent two).
 * `Bearer <key>` always; `Basic base64(<key>:)` when `allowBasic` (the key as user name and an empty
 * password: Segment's SDK convention, for POST /v1/ingestions only).
 */
export function readCredential(values: readonly string[], allowBasic: boolean): CredentialReading {
  if (values.length === 0) return { outcome: 'missing' };
  if (values.length > 1) {
    return {
      outcome: 'malformed',
      detail: 'The request carries more than one Authorization header; send one.',
    };
  }
  const value = values[0]!;
  if (value.length > maxHeaderLength) {
    return { outcome: 'malformed', detail: 'The Authorization header is longer than any API key.' };
  }
  const bearer = /^Bearer +(\S+) *$/i.exec(value);
  if (bearer) return { outcome: 'key', text: bearer[1]! };
  const basic = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(value);
  if (basic && !allowBasic) {
    return {
      outcome: 'malformed',
      detail: 'HTTP Basic is accepted on POST /v1/ingestions only; send Authorization: Bearer <key>.',
    };
  }
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0 || decoded.length > colon + 1) {
      return {
        outcome: 'malformed',
        detail:
          'With HTTP Basic, send the API key as the user name and an empty password (base64 of "<key>:").',
      };
    }
    return { outcome: 'key', text: decoded.slice(0, colon) };
  }
  return {
    outcome: 'malformed',
    detail: allowBasic
      ? 'Send the API key as Authorization: Bearer <key> (or HTTP Basic with the key as user name).'
      : 'Send the API key as Authorization: Bearer <key>.',
  };
}

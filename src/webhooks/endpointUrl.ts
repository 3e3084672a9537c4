import { isIP } from 'node:net';
import { blockedAddressReason } from './addressPolicy.js';

/** The longest endpoint URL accepted. */
export const maxEndpointUrlLength = 2048;

/** The address part of a URL's hostname: IPv6 literals come bracketed. */
export function hostAddress(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * What is wrong with `text` as a webhook endpoint, or undefined when it may be stored: an absolute
 * https:// URL (http:// only with `allowPrivate`), without credentials or a fragment, and not naming a
 * loopback, private, link-local or metadata address literally. A name is checked again after DNS
 * resolution at every delivery: what it resolves to today says nothing of tomorrow.
 */
export function endpointUrlProblem(text: string, allowPrivate: boolean): string | undefined {
  if (text.length > maxEndpointUrlLength) return `must be at most ${maxEndpointUrlLength} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL, such as https://example.com/webhooks';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    return allowPrivate
      ? 'must be an http:// or https:// URL'
      : 'must be an https:// URL (http:// only with WEBHOOK_ALLOW_PRIVATE_URLS=true, for local development)';
  if (url.username !== '' || url.password !== '')
    return 'must not carry a user name or password: verify the signature instead';
  if (url.hash !== '') return 'must not have a #fragment';
  if (allowPrivate) return undefined;
  const host = hostAddress(url.hostname);
  if (host === 'localhost' || host.endsWith('.localhost'))
    return 'must not name localhost (WEBHOOK_ALLOW_PRIVATE_URLS=true allows it, for local development)';
  const reason = isIP(host) === 0 ? undefined : blockedAddressReason(host);
  if (reason)
    return `must not name a non-public address: ${reason} (WEBHOOK_ALLOW_PRIVATE_URLS=true allows it)`;
  return undefined;
}

import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { blockedAddressReason } from './addressPolicy.js';
import { hostAddress } from './endpointUrl.js';

/** One attempt to deliver a message. */
export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** For everything: name resolution, connection, TLS, request and response. */
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE_URLS: skips the address check and allows http://. */
  allowPrivate: boolean;
}

/** How an attempt ended. */
export interface WebhookAnswer {
  /** The response's status; undefined when there was none. */
  statusCode?: number;
  /** The response's Retry-After header, as sent. */
  retryAfter?: string;
  durationMs: number;
  /** Why there was no response, or, for a status other than 2xx, the start of the response body. */
  error?: string;
}

/** Response bytes read at most: receivers are expected to answer with little or nothing. */
export const maxResponseBytes = 4096;
/** Of those, what is kept with the attempt to show an operator. */
const excerptLength = 200;

/** Resolves a host name to every address it has, as getaddrinfo gives them. */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, order: 'verbatim' });

/**
 * POSTs one message. The host name is resolved here, each of its addresses checked (unless private
 * addresses are allowed), and the connection made to the address that was checked: the socket's own
 * lookup is answered with it, so a second resolution cannot swap in another address (DNS rebinding).
 * TLS still verifies the certificate against the host name. Redirects are not followed (a 3xx is a
 * failed attempt), the response body is read to {@link maxResponseBytes} only, and the whole attempt is
 * bounded by `timeoutMs`. Never throws: every failure is an answer without a status.
 */
export async function postWebhook(
  post: WebhookPost,
  resolve: Resolver = systemResolver,
): Promise<WebhookAnswer> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new Error(`no answer within ${post.timeoutMs / 1000} s`)),
    post.timeoutMs,
  );
  try {
    const url = new URL(post.url);
    if (url.protocol !== 'https:' && !(post.allowPrivate && url.protocol === 'http:'))
      return { durationMs: elapsed(), error: `refused: ${url.protocol}// is not allowed, only https://` };
    const host = hostAddress(url.hostname);
    const family = isIP(host);
    const addresses = family
      ? [{ address: host, family }]
      : await Promise.race([resolve(host), aborted(abort.signal)]);
    if (addresses.length === 0) return { durationMs: elapsed(), error: `${host} has no address` };
    if (!post.allowPrivate) {
      for (const { address } of addresses) {
        const reason = blockedAddressReason(address);
        if (reason)
          return {
            durationMs: elapsed(),
            error: `refused: ${host} resolves to ${reason}; only public addresses receive webhooks`,
          };
      }
    }
    const target = addresses[0]!;
    const answer = await send(url, target, post, abort.signal);
    return { ...answer, durationMs: elapsed() };
  } catch (error) {
    const reason = abort.signal.aborted ? (abort.signal.reason as Error) : (error as Error);
    return { durationMs: elapsed(), error: reason.message || String(reason) };
  } finally {
    clearTimeout(timer);
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** Sends the request to `target`, whatever the host name resolves to now. */
function send(
  url: URL,
  target: { address: string; family: number },
  post: WebhookPost,
  signal: AbortSignal,
): Promise<Omit<WebhookAnswer, 'durationMs'>> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: {
          ...post.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(post.body)),
          'user-agent': 'ingest-webhooks/1',
        },
        lookup: pinned,
        // One connection per attempt: a pooled socket would skip the check above on its next request.
        agent: false,
        signal,
      },
      (response) => {
        readLimited(response).then((excerpt) => {
          const statusCode = response.statusCode ?? 0;
          const retryAfter = response.headers['retry-after'];
          resolve({
            statusCode,
            ...(retryAfter === undefined ? {} : { retryAfter }),
            ...(statusCode >= 200 && statusCode < 300 ? {} : { error: describeStatus(statusCode, excerpt) }),
          });
        }, reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(post.body);
  });
}

/** Reads at most maxResponseBytes of a response, then drops the connection; resolves with its start. */
function readLimited(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      response.removeAllListeners('data');
      resolve(Buffer.concat(chunks).toString('utf8', 0, Math.min(size, excerptLength * 4)));
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxResponseBytes) {
        finish();
        response.destroy();
      }
    });
    response.on('end', finish);
    response.on('error', finish);
    response.on('close', finish);
  });
}

function describeStatus(statusCode: number, body: string): string {
  const text = body.replace(/\s+/g, ' ').trim().slice(0, excerptLength);
  const location = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
  return `answered ${statusCode}${location}${text ? `: ${text}` : ''}`;
}

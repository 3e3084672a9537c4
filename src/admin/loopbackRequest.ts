import type { IncomingHttpHeaders } from 'node:http';

// Listening on loopback keeps other machines out, but not everything that runs on this one: a browser
// here fetches for any site it shows (DNS rebinding makes `attacker.example` resolve to 127.0.0.1, a
// cross-site form posts here), and a reverse proxy on this host relays the whole network. What tells
// those apart from this host's own requests is in the headers: the Host they were addressed to, the
// page they came from, and the proxy's forwarding headers.

/** The names this host answers to, with or without a port: what a browser sends when the user typed it. */
const loopbackHostHeader = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i;

/** Headers a proxy adds on the way (RFC 7239 and the de-facto X- forms). */
const isForwardingHeader = (name: string) =>
  name === 'forwarded' || name === 'x-real-ip' || name.startsWith('x-forwarded-');

const setToken = 'set ADMIN_TOKEN (16+ characters) and send Authorization: Bearer <token>';

/** Whether `origin` (an Origin header) is the page of the origin the request was addressed to. */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const page = new URL(origin);
    // The service itself speaks plain HTTP; URL() drops a default port from both sides alike.
    return page.protocol === 'http:' && page.host === new URL(`http://${host}`).host;
  } catch {
    // "null" (a sandboxed frame, a file: page) and anything unreadable: not this origin.
    return false;
  }
}

/**
 * Why a request to the admin API (or, with `page`, a dashboard page) may not be served in loopback mode,
 * in a sentence that says what to do, or undefined when it came from this host. Refused: a Host other than localhost, 127.0.0.1 or [::1];
 * forwarding headers; and for the API, an Origin other than its own or `Sec-Fetch-Site: cross-site`.
 * A dashboard page holds no data, so a link from another site may still open it; its calls are checked.
 */
export function loopbackRefusal(headers: IncomingHttpHeaders, page = false): string | undefined {
  const forwarded = Object.keys(headers).find(isForwardingHeader);
  if (forwarded) {
    return (
      `The request carries ${forwarded}: it came through a proxy, and the admin API is open without a ` +
      `token to this host only. To use it through a proxy, ${setToken}.`
    );
  }
  const host = headers.host ?? '';
  if (!loopbackHostHeader.test(host)) {
    return (
      'Without a token the admin API answers only requests addressed to this host (Host: localhost, ' +
      '127.0.0.1 or [::1]); this one named another, as a page of another site can make a browser do. ' +
      `Open it as http://127.0.0.1:<port>, or ${setToken}.`
    );
  }
  if (page) return undefined;
  const { origin } = headers;
  if (headers['sec-fetch-site'] === 'cross-site' || (origin !== undefined && !sameOrigin(origin, host))) {
    return (
      'The request came from a page of another site or origin, and without a token the admin API ' +
      `serves this host's own dashboard and tools only. To call it from another origin, ${setToken}.`
    );
  }
  return undefined;
}

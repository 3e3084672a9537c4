import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const handedOut = new Set<number>();

/**
 * A TCP port of 127.0.0.1 nobody listens on right now, for a server this process is about to start
 * (the embedded PostgreSQL, and the tests' and the bench's own servers).
 *
 * It is drawn at random from below the kernel's ephemeral range: a port the kernel hands out for
 * `listen(0)` comes from the same range as the source port of every outgoing connection, so between
 * closing the probe and the child's bind, any connection on the machine could take it (CI saw
 * EADDRINUSE exactly so). Ports below that range are only ever taken by someone listening on them.
 */
export async function freePort(): Promise<number> {
  const [low, high] = candidateRange();
  // A kernel whose ephemeral range starts low leaves no room below it: then listen(0) is all there is.
  for (let attempt = 0; high > low && attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    // Reserved before the probe, so that calls running at once never settle on the same port.
    handedOut.add(port);
    if (await bindable(port)) return port;
    handedOut.delete(port);
  }
  return kernelPort();
}

function candidateRange(): [number, number] {
  let ephemeralLow = 32_768;
  try {
    const [first] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    ephemeralLow = Number(first) || ephemeralLow;
  } catch {
    // Not Linux: assume Linux's default range (32768–60999).
  }
  const high = Math.min(ephemeralLow, 65_536) - 1;
  return [Math.max(10_000, high - 16_000), high];
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolveBindable) => {
    const server = createServer();
    server.once('error', () => resolveBindable(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveBindable(true)));
  });
}

function kernelPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

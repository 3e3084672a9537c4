/**
 * Node.js exit handling shared by every client of the process. A process that has no listener for
 * SIGTERM or SIGINT ends at once when it gets one; adding a listener takes that away. So the one
 * listener installed here looks, when a signal comes, at whether anyone else listens for it:
 * - someone does (the application handles its own shutdown): the clients start flushing at once, and
 *   the application stays in charge of when the process ends (it should `await client.close()`);
 * - no one does: the clients flush, for at most their exitFlushTimeoutMs, and then the listener removes
 *   itself and sends the signal again, so the process ends as it would have, by that signal (exit
 *   status 128 + its number). A second signal meanwhile ends it at once.
 * And before a natural exit (beforeExit: nothing left to do), what is queued is flushed, once: what it
 * cannot send within exitFlushTimeoutMs (the service away) does not hold the process any longer.
 */

/** What the exit handling asks of a client. */
export interface ExitFlushing {
  /** Sends what is queued, giving up after the client's exitFlushTimeoutMs. */
  flushForExit(): Promise<void>;
  /** Whether anything is waiting to be sent that no exit flush has tried yet. */
  pending(): boolean;
}

interface NodeProcess {
  pid: number;
  on(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
  listenerCount(event: string): number;
  kill(pid: number, signal: string): void;
}

const nodeProcess = (globalThis as { process?: NodeProcess & { versions?: { node?: string } } }).process;

/** Whether this is Node.js (browsers have no process; some bundlers fake one without listeners). */
export const isNode = typeof nodeProcess?.versions?.node === 'string' && typeof nodeProcess.on === 'function';

const signals = ['SIGTERM', 'SIGINT'] as const;
const clients = new Set<ExitFlushing>();
let flushing: Promise<unknown> | undefined;

function flushAll(): Promise<unknown> {
  flushing ??= Promise.allSettled([...clients].map((client) => client.flushForExit())).finally(() => {
    flushing = undefined;
  });
  return flushing;
}

const onSignal = (signal: unknown) => {
  const name = String(signal);
  const othersListen = nodeProcess!.listenerCount(name) > 1;
  if (othersListen) {
    void flushAll();
    return;
  }
  const again = () => {
    uninstall();
    nodeProcess!.kill(nodeProcess!.pid, name);
  };
  // A second signal while flushing: the user insists.
  if (flushing) return again();
  void flushAll().then(again);
};

const onBeforeExit = () => {
  if ([...clients].some((client) => client.pending())) void flushAll();
};

function install(): void {
  for (const signal of signals) nodeProcess!.on(signal, onSignal);
  nodeProcess!.on('beforeExit', onBeforeExit);
}

function uninstall(): void {
  for (const signal of signals) nodeProcess!.removeListener(signal, onSignal);
  nodeProcess!.removeListener('beforeExit', onBeforeExit);
}

/** Flushes `client` when the process is told to stop or is about to end; returns how to stop that. */
export function flushOnExit(client: ExitFlushing): () => void {
  if (!isNode) return () => undefined;
  if (clients.size === 0) install();
  clients.add(client);
  return () => {
    if (clients.delete(client) && clients.size === 0) uninstall();
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { eventTypeKey } from '../../../src/domain/eventTypeKey.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../../support/processes.js';

/** Where the suite compiles the service, so that processes it kills and restarts start quickly. */
export const compiledDir = '.data/faults/dist';

/** Processes a scenario started, so that its afterAll can make sure none outlives it. */
export class Services {
  readonly all: ServiceProcess[] = [];
  private readonly hogs: ChildProcess[] = [];

  /** `databaseEnv` gives the environment that reaches the scenario's database (see TestDatabase.env). */
  constructor(private readonly databaseEnv: () => Record<string, string>) {}

  /** Starts an entry file from the suite's compiled build (the service and the test worker). */
  start(entry: string, env: Record<string, string> = {}): ServiceProcess {
    const compiled = /^(src|test\/support)\/.*\.ts$/.test(entry)
      ? `${compiledDir}/${entry.replace(/\.ts$/, '.js')}`
      : entry;
    const service = startProcess(compiled, { ...this.databaseEnv(), ...env });
    this.all.push(service);
    return service;
  }

  async worker(env: Record<string, string> = {}, entry = 'src/entry/worker.ts'): Promise<ServiceProcess> {
    const worker = this.start(entry, env);
    await waitForOutput(worker, /worker started/, 60_000);
    return worker;
  }

  async api(env: Record<string, string> = {}): Promise<{ service: ServiceProcess; base: string }> {
    const port = await freePort();
    const service = this.start('src/entry/api.ts', { PORT: String(port), HOST: '127.0.0.1', ...env });
    await waitForOutput(service, /API listening/, 60_000);
    return { service, base: `http://127.0.0.1:${port}` };
  }

  /** Starts `count` processes that each keep one core busy, until {@link stopHogs}. */
  startHogs(count: number): void {
    for (let i = 0; i < count; i += 1) {
      this.hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    }
  }

  async stopHogs(): Promise<void> {
    const hogs = this.hogs.splice(0);
    await Promise.all(
      hogs.map(
        (hog) =>
          new Promise<void>((resolve) => {
            if (hog.exitCode !== null || hog.signalCode !== null) return resolve();
            hog.once('exit', () => resolve());
            hog.kill('SIGKILL');
          }),
      ),
    );
  }

  /** Kills everything still running; for afterAll. */
  async killAll(): Promise<void> {
    await this.stopHogs();
    await Promise.all(this.all.map((service) => service.stop('SIGKILL')));
  }
}

/** An HTTP answer as the scenarios inspect it. */
export interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: unknown;
  ms: number;
}

/** Sends a request with a time limit; a network failure or time-out comes back as status 0. */
export async function request(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<Answer & { error?: string }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      retryAfter: response.headers.get('retry-after'),
      body,
      ms: performance.now() - started,
    };
  } catch (error) {
    return {
      status: 0,
      contentType: '',
      retryAfter: null,
      body: undefined,
      ms: performance.now() - started,
      error: (error as Error).message,
    };
  }
}

/** POSTs a JSON body to /v1/ingestions. */
export function postIngestion(
  base: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
) {
  return request(`${base}/v1/ingestions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A small valid batch whose expected results the scenario can compute: `n` picks its shape. */
export function batchFor(n: number, tenantId = `tenant-${n % 4}`) {
  const types = ['clicked', 'viewed', 'Clicked', 'purchased', 'VIEWED'];
  const events = Array.from({ length: 1 + (n % 5) }, (_, k) => ({
    type: types[(n + k) % types.length]!,
    timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, (n * 7 + k * 13) % 60)).toISOString(),
    payload: { n, k },
  }));
  return { tenantId, events };
}

/** Counts per type key (the type ignoring case), as the results of a batch must show them. */
export function expectedCounts(events: ReadonlyArray<{ type: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const key = eventTypeKey(event.type);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

import type { ClientError } from './errors.js';

/** How a client is set up; only `baseUrl` is required. README.md says what each does. */
export interface ClientOptions {
  /** Where the service is, e.g. https://ingest.example.com (a path prefix is kept). */
  baseUrl: string;
  /** The API key sent with every request (AUTH_MODE=keys): a write key to track, a read key to read. */
  key?: string;
  /** The key of the reads (getJob, waitForJob, getResults, listJobs), when `key` is a write key. */
  readKey?: string;
  /** The tenant, sent in every batch; needed only without keys (AUTH_MODE=none), where no key names it. */
  tenantId?: string;
  /** Most events in one batch. Default 500. */
  maxBatchEvents?: number;
  /** Most bytes of JSON in one batch, before compression. Default 500,000. */
  maxBatchBytes?: number;
  /** How long an event waits for more to join its batch. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Most events queued; past it the oldest are dropped and reported. Default 10,000. */
  maxQueueEvents?: number;
  /** Retries of one batch (network errors, 429, 5xx) before it is reported undelivered. Default 10. */
  maxRetries?: number;
  /** The first retry's delay; each further one doubles, with jitter. Default 500 ms. */
  minRetryDelayMs?: number;
  /** The longest delay between retries, unless Retry-After asks for more. Default 30,000 ms. */
  maxRetryDelayMs?: number;
  /** How long one request may take before it counts as a network error (and is retried). Default 15,000 ms. */
  timeoutMs?: number;
  /** Gzip batches of 1 KiB or more where the runtime has CompressionStream. Default true. */
  compress?: boolean;
  /** Node.js: flush on SIGTERM, SIGINT and before a natural exit (see README). Default true. */
  flushOnExit?: boolean;
  /** Node.js: the most time an exit waits for the flush. Default 5,000 ms. */
  exitFlushTimeoutMs?: number;
  /** Browsers: hand what is queued to fetch keepalive when the page is hidden or left. Default true. */
  flushOnPageHide?: boolean;
  /** Told about events that were refused, dropped or could not be delivered. Default: console.error. */
  onError?: (error: ClientError) => void;
  /** The fetch to use. Default: the global one. */
  fetch?: typeof fetch;
}

/** The options with every default filled in. */
export type Settings = Required<Omit<ClientOptions, 'key' | 'readKey' | 'tenantId'>> &
  Pick<ClientOptions, 'key' | 'readKey' | 'tenantId'>;

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < (allowZero ? 0 : 1) || !Number.isInteger(value))
    throw new TypeError(`${name} must be a whole number${allowZero ? '' : ' above 0'}, not ${String(value)}`);
  return value;
}

/** Checks the options and fills in the defaults; a wrong value throws a TypeError naming it. */
export function settingsOf(options: ClientOptions): Settings {
  if (typeof options?.baseUrl !== 'string' || !/^https?:\/\//i.test(options.baseUrl))
    throw new TypeError('baseUrl must be an http or https URL, such as https://ingest.example.com');
  const fetchFunction = options.fetch ?? globalThis.fetch;
  if (typeof fetchFunction !== 'function') throw new TypeError('no fetch: pass one as the fetch option');
  return {
    ...options,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    maxBatchEvents: positive('maxBatchEvents', options.maxBatchEvents, 500),
    maxBatchBytes: positive('maxBatchBytes', options.maxBatchBytes, 500_000),
    flushIntervalMs: positive('flushIntervalMs', options.flushIntervalMs, 1000, true),
    maxQueueEvents: positive('maxQueueEvents', options.maxQueueEvents, 10_000),
    maxRetries: positive('maxRetries', options.maxRetries, 10, true),
    minRetryDelayMs: positive('minRetryDelayMs', options.minRetryDelayMs, 500),
    maxRetryDelayMs: positive('maxRetryDelayMs', options.maxRetryDelayMs, 30_000),
    timeoutMs: positive('timeoutMs', options.timeoutMs, 15_000),
    compress: options.compress ?? true,
    flushOnExit: options.flushOnExit ?? true,
    exitFlushTimeoutMs: positive('exitFlushTimeoutMs', options.exitFlushTimeoutMs, 5000),
    flushOnPageHide: options.flushOnPageHide ?? true,
    onError: options.onError ?? ((error) => console.error(`[ingest client] ${error.message}`)),
    // Called unbound: some runtimes' fetch refuses to run with another `this`.
    fetch: (input, init) => fetchFunction(input, init),
  };
}

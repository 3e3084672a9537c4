import { backoffDelay, retryAfterMs, sleep } from './backoff.js';
import { IngestApiError } from './errors.js';
import type { Settings } from './options.js';
import { authorization, isRetryable, problemOf } from './requests.js';
import type { Job, JobPage, JobResults, ListJobsQuery } from './types.js';

/** The longest `Prefer: wait` the service honours, in seconds. */
const longestWaitSeconds = 60;

/**
 * The reads of a tenant's jobs, with the read key: each retried like a batch on network errors, 429
 * and 5xx (they change nothing, so any read may be repeated); any other answer than 200 is thrown as an
 * IngestApiError (404 for an unknown job, or another tenant's).
 */
export class JobReads {
  constructor(private readonly settings: Settings) {}

  async #get<T>(
    path: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<T> {
    const { settings } = this;
    for (let attempt = 0; ; attempt += 1) {
      let failure: unknown;
      let wait: number | undefined;
      try {
        const timeout = AbortSignal.timeout(timeoutMs ?? settings.timeoutMs);
        const response = await settings.fetch(`${settings.baseUrl}${path}`, {
          headers: { ...headers, ...authorization(settings.readKey ?? settings.key) },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (response.status === 200) return (await response.json()) as T;
        const problem = await problemOf(response);
        failure = new IngestApiError(response.status, problem);
        if (!isRetryable(response.status)) throw failure;
        wait = retryAfterMs(response.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof IngestApiError && !isRetryable(error.status)) throw error;
        if (signal?.aborted) throw error;
        failure = error;
      }
      if (attempt >= settings.maxRetries) throw failure;
      await sleep(wait ?? backoffDelay(attempt, settings.minRetryDelayMs, settings.maxRetryDelayMs), signal);
      if (signal?.aborted) throw failure;
    }
  }

  /** A job's status. */
  getJob(jobId: string, options: { signal?: AbortSignal } = {}): Promise<Job> {
    return this.#get(`/v1/ingestions/${encodeURIComponent(jobId)}`, {}, options.signal);
  }

  /**
   * The job once it has Succeeded or Failed, or as it is after `timeoutMs` (default 60 s): asks the
   * service to hold each answer until then (`Prefer: wait`) rather than polling.
   */
  async waitForJob(jobId: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Job> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const seconds = Math.max(0, Math.min(longestWaitSeconds, Math.ceil((deadline - Date.now()) / 1000)));
      const asked = Date.now();
      const job = await this.#get<Job>(
        `/v1/ingestions/${encodeURIComponent(jobId)}`,
        seconds > 0 ? { prefer: `wait=${seconds}` } : {},
        options.signal,
        this.settings.timeoutMs + seconds * 1000,
      );
      if (job.status === 'Succeeded' || job.status === 'Failed' || Date.now() >= deadline) return job;
      // A service that cannot wait (behind a pooler without LISTEN) answers at once: poll gently then.
      const answeredAtOnce = Date.now() - asked < seconds * 1000 - 500;
      if (answeredAtOnce) await sleep(Math.min(1000, Math.max(0, deadline - Date.now())), options.signal);
    }
  }

  /** A job's results (empty until it has Succeeded). */
  getResults(jobId: string, options: { signal?: AbortSignal } = {}): Promise<JobResults> {
    return this.#get(`/v1/results/${encodeURIComponent(jobId)}`, {}, options.signal);
  }

  /** One page of the tenant's jobs, newest first; pass `nextCursor` back as `cursor` for the next. */
  listJobs(query: ListJobsQuery = {}, options: { signal?: AbortSignal } = {}): Promise<JobPage> {
    const parameters = new URLSearchParams();
    // Without keys only tenantId names the tenant; with a key it must be the key's, so it can go too.
    const { tenantId } = this.settings;
    if (tenantId !== undefined && query.tenantId === undefined) parameters.set('tenantId', tenantId);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) parameters.set(name, String(value));
    const search = parameters.toString();
    return this.#get(`/v1/ingestions${search ? `?${search}` : ''}`, {}, options.signal);
  }

  /** Every job matching `query`, newest first, reading page after page as the iteration goes. */
  async *jobs(
    query: Omit<ListJobsQuery, 'cursor'> = {},
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<Job> {
    let cursor: string | undefined;
    do {
      const page = await this.listJobs({ ...query, ...(cursor ? { cursor } : {}) }, options);
      yield* page.jobs;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
}

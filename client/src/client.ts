import { DroppedEventsError, UndeliveredBatchError, type ClientError } from './errors.js';
import { flushOnExit } from './nodeExit.js';
import { settingsOf, type ClientOptions } from './options.js';
import { flushOnPageHide } from './pageHide.js';
import { batchBody, EventQueue, type Queued } from './queue.js';
import { JobReads } from './reads.js';
import { newIdempotencyKey } from './requests.js';
import { BatchSender } from './sender.js';
import { trackedEvent } from './trackedEvent.js';
import type { TrackEvent } from './types.js';

/** Bodies handed to fetch keepalive when a page goes: browsers allow 64 KiB in flight in all. */
const keepaliveBytes = 60_000;

/** What a client has done so far. */
export interface ClientStats {
  /** Events waiting in the queue. */
  queued: number;
  /** Events in the batch being sent. */
  sending: number;
  /** Events the service accepted (or, when a page went, handed to fetch keepalive). */
  sent: number;
  /** Events the service refused (400, 401, 403, 413 alone, 422…): reported, not retried. */
  rejected: number;
  /** Events given up on: retries exhausted, or closed first. */
  undelivered: number;
  /** Events dropped from a full queue, oldest first. */
  dropped: number;
}

/** A client of the ingest service. See README.md for each setting and what it does on every answer. */
export interface IngestClient extends Pick<
  JobReads,
  'getJob' | 'waitForJob' | 'getResults' | 'listJobs' | 'jobs'
> {
  /** Queues an event; it is sent in a batch by size, count or time. Never waits, never throws for the service's state. */
  track(event: TrackEvent): void;
  /** Resolves once every event tracked before the call has been sent, refused, dropped or given up on. */
  flush(): Promise<void>;
  /** Sends what is queued (for at most `timeoutMs`, default 10 s), then stops: later events are reported undelivered. */
  close(options?: { timeoutMs?: number }): Promise<void>;
  stats(): ClientStats;
}

/** Creates a client; `baseUrl` is the only required setting. */
export function createClient(options: ClientOptions): IngestClient {
  const settings = settingsOf(options);
  const queue = new EventQueue(settings.maxQueueEvents);
  const counts = { sent: 0, rejected: 0, undelivered: 0, dropped: 0 };
  const report = (error: ClientError) => {
    try {
      settings.onError(error);
    } catch {
      // An onError that throws must not stop the client.
    }
  };
  const sender = new BatchSender(settings, report, counts);
  // Aborted when close() gives up: retries stop, requests in flight are cancelled.
  const stopping = new AbortController();
  let inFlight: readonly Queued[] = [];
  let pumping = false;
  let urgent = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waiters: Array<{ through: number; resolve: () => void }> = [];
  let droppedUnreported = 0;
  const reportDrops = () => {
    const dropped = droppedUnreported;
    droppedUnreported = 0;
    if (dropped > 0) report(new DroppedEventsError(dropped));
  };

  const settle = () => {
    const firstUnsettled = inFlight[0]?.seq ?? queue.firstSeq;
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      if (waiters[i]!.through < firstUnsettled) waiters.splice(i, 1)[0]!.resolve();
    }
  };

  const pump = async () => {
    if (pumping) return;
    pumping = true;
    clearTimeout(timer);
    timer = undefined;
    try {
      while (queue.length > 0) {
        inFlight = queue.take(settings.maxBatchEvents, settings.maxBatchBytes);
        await sender.deliver(inFlight, stopping.signal);
        inFlight = [];
        settle();
      }
    } finally {
      pumping = false;
      urgent = false;
      settle();
    }
  };

  /** Sends now when a batch is full or a flush waits; otherwise within flushIntervalMs. */
  const schedule = () => {
    if (pumping || queue.length === 0) return;
    if (urgent || queue.length >= settings.maxBatchEvents || queue.bytes >= settings.maxBatchBytes) {
      void pump();
    } else if (timer === undefined) {
      timer = setTimeout(() => void pump(), settings.flushIntervalMs);
      // Node.js: a waiting batch alone does not keep the process alive; an exit flushes it.
      (timer as { unref?: () => void }).unref?.();
    }
  };

  const flush = (): Promise<void> => {
    const through = queue.lastSeq;
    const done = new Promise<void>((resolve) => waiters.push({ through, resolve }));
    urgent = true;
    schedule();
    // Events tracked during a pump are sent by it; a pump already over leaves none behind.
    if (!pumping) void pump();
    settle();
    return done;
  };

  const giveUpQueued = () => {
    const left = queue.drain();
    if (left.length > 0) {
      counts.undelivered += left.length;
      report(
        new UndeliveredBatchError(
          left.map((item) => item.event),
          'closed',
        ),
      );
    }
    settle();
  };

  const flushWithin = async (timeoutMs: number) => {
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => (deadline = setTimeout(resolve, timeoutMs)));
    await Promise.race([flush(), expired]);
    clearTimeout(deadline);
  };

  // The last event an exit flush was started for: a natural exit flushes each event once, so a service
  // that stays away delays the exit by exitFlushTimeoutMs, not by every retry.
  let exitFlushedThrough = -1;
  const stopExitFlush = settings.flushOnExit
    ? flushOnExit({
        flushForExit: () => {
          exitFlushedThrough = queue.lastSeq;
          return flushWithin(settings.exitFlushTimeoutMs);
        },
        pending: () => (queue.length > 0 || inFlight.length > 0) && queue.lastSeq > exitFlushedThrough,
      })
    : () => undefined;

  // The page is going: the batch in flight is sent again with its own key (a plain request may be
  // cancelled with the page; if both land the service stores it once), then as much of the queue as
  // keepalive allows, oldest first.
  const stopPageHide = settings.flushOnPageHide
    ? flushOnPageHide(() => {
        let budget = keepaliveBytes;
        const current = sender.current;
        if (current && current.body.length <= budget) {
          sender.sendWithKeepalive(current.body, current.idempotencyKey);
          budget -= current.body.length;
        }
        while (queue.length > 0 && budget > 200) {
          const items = queue.take(
            settings.maxBatchEvents,
            Math.min(settings.maxBatchBytes, budget - 100),
            true,
          );
          if (items.length === 0) break;
          const body = batchBody(items, settings.tenantId);
          sender.sendWithKeepalive(body, newIdempotencyKey());
          budget -= body.length;
          counts.sent += items.length;
        }
        settle();
      })
    : () => undefined;

  const reads = new JobReads(settings);
  return {
    track(event) {
      const stored = trackedEvent(event);
      if (closed) {
        counts.undelivered += 1;
        report(new UndeliveredBatchError([stored], 'closed'));
        return;
      }
      const dropped = queue.push(stored);
      if (dropped > 0) {
        counts.dropped += dropped;
        // One report for a burst of drops (each track() of a full queue drops one).
        if (droppedUnreported === 0) queueMicrotask(reportDrops);
        droppedUnreported += dropped;
        settle();
      }
      schedule();
    },
    flush,
    async close(options = {}) {
      if (closed) return;
      closed = true;
      stopPageHide();
      await flushWithin(options.timeoutMs ?? 10_000);
      stopping.abort();
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 5));
      giveUpQueued();
      stopExitFlush();
    },
    stats: () => ({ queued: queue.length, sending: inFlight.length, ...counts }),
    getJob: (jobId, opts) => reads.getJob(jobId, opts),
    waitForJob: (jobId, opts) => reads.waitForJob(jobId, opts),
    getResults: (jobId, opts) => reads.getResults(jobId, opts),
    listJobs: (query, opts) => reads.listJobs(query, opts),
    jobs: (query, opts) => reads.jobs(query, opts),
  };
}

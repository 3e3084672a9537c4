// A processor for tests of the worker's guarantees, loaded by real worker processes through
// PROCESSOR_MODULE=test/support/testProcessor.ts. It behaves by the job's tenant: "slow" takes
// SLOW_JOB_MS and honours its signal, "hang" never settles and ignores its signal, "throw" throws,
// "permanent" throws a PermanentJobError, "type-error" fails with a TypeError of its own code,
// "huge-error" throws a TypeError with a 20 KB message; any other tenant counts the job's events. It
// appends one JSON line per start, end and abort to PROCESSOR_LOG_FILE, so a test sees what the
// processor itself saw.
import { appendFileSync } from 'node:fs';
import { JobAbortReason, PermanentJobError, type JobProcessor } from '../../src/processing/processor.js';

const logFile = process.env.PROCESSOR_LOG_FILE;
const slowMs = Number(process.env.SLOW_JOB_MS ?? '1000');

/** A line of PROCESSOR_LOG_FILE. */
export interface ProcessorLogLine {
  event: 'start' | 'end' | 'aborted';
  jobId: string;
  pid: number;
  /** For `aborted`: the JobAbortReason's kind. */
  kind?: string;
}

function record(line: Omit<ProcessorLogLine, 'pid'>): void {
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ ...line, pid: process.pid })}\n`);
}

function readField(record: { field: string } | undefined): string {
  return (record as { field: string }).field;
}

/** The processor the worker processes of the tests load. */
export const processor: JobProcessor = {
  name: 'test-processor',
  async process({ job, events, signal }) {
    record({ event: 'start', jobId: job.id });
    signal.addEventListener('abort', () => {
      const reason: unknown = signal.reason;
      record({ event: 'aborted', jobId: job.id, kind: reason instanceof JobAbortReason ? reason.kind : '?' });
    });
    let count = 0;
    for await (const event of events) {
      void event;
      count += 1;
    }
    if (job.tenantId === 'throw') throw new Error('processor refused');
    // A processor's own bug, as a user's would be: a field read from something that is not there.
    if (job.tenantId === 'type-error') return readField(undefined);
    if (job.tenantId === 'huge-error') throw new TypeError(`huge ${'x'.repeat(20_000)}`);
    if (job.tenantId === 'permanent') throw new PermanentJobError('payload cannot be processed');
    if (job.tenantId === 'hang') await new Promise(() => undefined);
    if (job.tenantId === 'slow') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, slowMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason as Error);
        });
      });
    }
    record({ event: 'end', jobId: job.id });
    return { events: count, tenantId: job.tenantId, attempt: job.attempt };
  },
};

/** Reads PROCESSOR_LOG_FILE's lines for one job. */
export function processorLog(text: string, jobId: string): ProcessorLogLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ProcessorLogLine)
    .filter((line) => line.jobId === jobId);
}

/**
 * The environment of a worker process that runs this processor on `databaseEnv`'s database, with "slow"
 * jobs that run until their signal aborts (10 minutes), no migrations and no maintenance passes of its
 * own; `extra` on top.
 */
export function processorWorkerEnv(
  databaseEnv: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...databaseEnv,
    RUN_MIGRATIONS_ON_STARTUP: 'false',
    PROCESSOR_MODULE: 'test/support/testProcessor.ts',
    SLOW_JOB_MS: '600000',
    POLL_INTERVAL_MS: '200',
    MAINTENANCE_INTERVAL_SECONDS: '0',
    ...extra,
  };
}

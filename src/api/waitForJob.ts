import type { FastifyReply } from 'fastify';
import type { JobView } from '../data/ingestionStore.js';
import { keyChallenge } from './callerAccess.js';
import type { JobWaiters, WaitRefusal } from './jobWaiters.js';
import type { KeyRevocationWatch } from './keyRevocationWatch.js';
import { ProblemError } from './problem.js';

/** Seconds a `Prefer: wait` refused for lack of room is asked to wait. */
const waitRetryAfterSeconds = 1;

const isFinished = (job: JobView) => job.status === 'Succeeded' || job.status === 'Failed';

function refusal(refused: WaitRefusal): ProblemError {
  const retry = `Retry in ${waitRetryAfterSeconds} second, or ask without Prefer: wait.`;
  return refused.refused === 'process'
    ? new ProblemError(
        503,
        'Too many waiting requests',
        `This instance holds as many Prefer: wait requests as it may (PREFER_WAIT_MAX_REQUESTS=` +
          `${refused.limit}). ${retry}`,
        { retryAfterSeconds: waitRetryAfterSeconds },
      )
    : new ProblemError(
        429,
        'Too many waiting requests',
        `This tenant's jobs already have ${refused.limit} Prefer: wait requests waiting on this instance, ` +
          `its most (PREFER_WAIT_TENANT_MAX_REQUESTS=${refused.limit}). ${retry}`,
        { retryAfterSeconds: waitRetryAfterSeconds },
      );
}

/**
 * Holds a `Prefer: wait` request until its job has finished, at most `seconds`, and returns the job as
 * read last; undefined when the client went away meanwhile (nothing more is read: an abandoned wait costs
 * no read when its job finishes). Throws a 429 or 503 problem past the caps on waits, and a 401 once the
 * request's key is revoked or expires while it waits.
 */
export async function waitForJob(
  reply: FastifyReply,
  options: {
    waiters: JobWaiters;
    job: JobView;
    seconds: number;
    find: (id: string) => Promise<JobView | undefined>;
    revocation?: { watch: KeyRevocationWatch; keyText: string } | undefined;
  },
): Promise<JobView | undefined> {
  const { job, find } = options;
  if (isFinished(job) || options.seconds === 0) return job;
  const wait = options.waiters.wait(job.id, options.seconds * 1000, job.tenantId);
  if ('refused' in wait) throw refusal(wait);
  const closed = () => wait.end('closed');
  reply.raw.once('close', closed);
  const unwatch = options.revocation?.watch.watch(options.revocation.keyText, () => wait.end('revoked'));
  try {
    // A client gone during the first read is not read for again.
    if (reply.request.raw.socket?.destroyed === true) return undefined;
    // Read again once registered: the job may have finished between the first read and now, and its
    // notification would then have gone by unheard.
    const registered = (await find(job.id)) ?? job;
    if (isFinished(registered)) return registered;
    const reason = await wait.done;
    if (reason === 'closed') return undefined;
    if (reason === 'revoked') {
      reply.header('www-authenticate', keyChallenge(false, 'invalid_token'));
      throw new ProblemError(
        401,
        'Unauthorized',
        'The API key was revoked or expired while the request waited; nothing more is read with it. ' +
          'Ask for a new key (npm run keys -- create).',
      );
    }
    return (await find(job.id)) ?? registered;
  } finally {
    wait.cancel();
    reply.raw.removeListener('close', closed);
    unwatch?.();
  }
}

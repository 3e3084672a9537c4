// One job: its fields, every attempt, results, events; retry, cancel and run now; what holds it back (a
// paused tenant, paused processing). Live, so a job on its way is seen moving.
import { actionButton, api, showMessage } from './api.js';
import { el, fill, table } from './dom.js';
import { copyButton } from './jobId.js';
import { statusLabel } from './jobs.js';
import { live } from './live.js';
import { webhookSection } from './webhooks.js';

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const done = {
  retry: 'Job retried: it is Pending again.',
  cancel: 'Job cancelled.',
  'run-now': 'Job is due now.',
};

function actions(job, refresh) {
  const act = (verb) => async () => {
    await api(`/admin/jobs/${job.jobId}/${verb}`, { method: 'POST' });
    showMessage(done[verb], true);
    await refresh();
  };
  const waiting = job.status === 'Pending' && new Date(job.availableAt) > new Date();
  return el(
    'div',
    { class: 'actions' },
    job.status === 'Failed'
      ? actionButton('Retry', 'Retry this job with all its attempts?', act('retry'))
      : null,
    waiting
      ? actionButton('Run now', 'Run this job now instead of after its backoff?', act('run-now'))
      : null,
    job.status === 'Pending' || job.status === 'Processing'
      ? actionButton(
          'Cancel',
          job.status === 'Processing'
            ? 'Cancel this running job? Its worker stops it; it becomes Failed.'
            : 'Cancel this job? It becomes Failed.',
          act('cancel'),
        )
      : null,
  );
}

function heldBack(job) {
  if (job.status !== 'Pending') return null;
  const reasons = [];
  if (job.processingPausedAt)
    reasons.push(`processing is paused for every tenant (since ${when(job.processingPausedAt)})`);
  if (job.tenantPausedAt) reasons.push(`its tenant is paused (since ${when(job.tenantPausedAt)})`);
  if (reasons.length === 0) return null;
  return el(
    'p',
    { class: 'message held', id: 'held-back' },
    `Waits: ${reasons.join('; ')}. No worker claims it until resumed.`,
  );
}

function details(job, refresh) {
  const field = (name, value) => el('tr', {}, el('th', {}, name), el('td', { class: 'wrap' }, value));
  return [
    heldBack(job),
    actions(job, refresh),
    table(
      ['Field', 'Value'],
      [
        field('Status', statusLabel(job)),
        field(
          'Tenant',
          el(
            'a',
            { href: `/ui/jobs?tenant=${encodeURIComponent(job.tenantId)}` },
            el('span', { class: 'tenant' }, job.tenantId),
          ),
        ),
        field('Attempt', `${job.attempt} of ${job.maxAttempts}`),
        field('Events', String(job.eventCount)),
        field('Error', el('span', { id: 'job-error' }, job.error ?? '—')),
        field('Created', when(job.createdAt)),
        // Only a Pending job has one; a finished job's availableAt is when it was last due.
        field('Next attempt', job.status === 'Pending' ? when(job.availableAt) : '—'),
        field('Finished', when(job.processedAt)),
        job.cancelledAt ? field('Cancelled', when(job.cancelledAt)) : null,
        job.lockedBy ? field('Worker', `${job.lockedBy} (lease until ${when(job.lockedUntil)})`) : null,
        job.idempotencyKey ? field('Idempotency-Key', job.idempotencyKey) : null,
      ],
    ),
    el('h2', {}, `Attempts (${job.attempts.length})`),
    job.attempts.length
      ? table(
          ['#', 'Outcome', 'Started', 'Ended', 'Worker', 'Error'],
          job.attempts.flatMap((a) => [
            el(
              'tr',
              { class: `attempt attempt-${a.outcome}` },
              el('td', {}, String(a.attempt)),
              el('td', {}, a.outcome),
              el('td', {}, when(a.startedAt)),
              el('td', {}, when(a.endedAt)),
              el('td', { class: 'wrap' }, a.worker ?? ''),
              el('td', { class: 'error' }, a.error ?? ''),
            ),
            // Where the processor threw, folded away under its attempt; text only, like every value.
            a.stack
              ? el(
                  'tr',
                  { class: 'attempt-stack' },
                  el(
                    'td',
                    { colspan: 6 },
                    el('details', {}, el('summary', {}, 'Stack'), el('pre', { class: 'stack' }, a.stack)),
                  ),
                )
              : null,
          ]),
        )
      : el('p', { class: 'muted' }, 'No attempt has finished yet.'),
    el('h2', {}, 'Results'),
    job.results.length
      ? table(
          ['Event type', 'Count', 'First', 'Last'],
          job.results.map((r) =>
            el(
              'tr',
              { class: 'result' },
              el('td', { class: 'wrap' }, r.eventType),
              el('td', {}, String(r.count)),
              el('td', {}, when(r.firstTimestamp)),
              el('td', {}, when(r.lastTimestamp)),
            ),
          ),
        )
      : el('p', { class: 'muted' }, 'None yet: results exist once the job has Succeeded.'),
    el('h2', {}, 'Events by type'),
    table(
      ['Type', 'Count'],
      job.eventTypes.map((t) =>
        el('tr', {}, el('td', { class: 'wrap' }, t.type), el('td', {}, String(t.count))),
      ),
    ),
    el('h2', {}, `First ${job.firstEvents.length} of ${job.eventCount} events`),
    table(
      ['#', 'Type', 'Timestamp', 'Payload'],
      job.firstEvents.map((e) =>
        el(
          'tr',
          {},
          el('td', {}, String(e.seq)),
          el('td', { class: 'wrap' }, e.type),
          el('td', {}, when(e.timestamp)),
          el('td', {}, el('pre', { class: 'payload' }, JSON.stringify(e.payload, null, 2))),
        ),
      ),
    ),
  ];
}

/** The page of one job. */
export async function jobPage(main, jobId) {
  document.title = `Job ${jobId.slice(-8)} · Ingest jobs`;
  const region = el('div', { id: 'live-region' });
  const { bar, refresh } = live({
    everyMs: 2000,
    region,
    load: async () => {
      const path = `/admin/jobs/${encodeURIComponent(jobId)}`;
      const [job, { webhooks }] = await Promise.all([api(path), api(`${path}/webhooks`)]);
      return { job, webhooks };
    },
    draw: ({ job, webhooks }) =>
      fill(region, [
        ...details(job, refresh),
        ...webhookSection(webhooks, { api, when, confirmButton: actionButton, showMessage, render: refresh }),
      ]),
  });
  main.replaceChildren(el('h1', {}, 'Job ', el('code', {}, jobId), ' ', copyButton(jobId)), bar, region);
  await refresh();
}

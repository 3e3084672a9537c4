// The jobs dashboard. Everything it shows comes from the admin API as JSON and reaches the page only
// through text nodes (el() and textContent), never as markup: a tenant named <img src=x onerror=…> is
// shown as those characters. Every filter lives in the URL, so a link reproduces the view.
import { minuteChart } from './chart.js';
import { confirmButton as confirmWith, el, table } from './dom.js';
import { webhookSection } from './webhooks.js';

const tokenKey = 'ingestAdminToken';
const main = document.getElementById('main');
const message = document.getElementById('message');
const statuses = ['Pending', 'Processing', 'Succeeded', 'Failed'];
const filterFields = ['status', 'tenant', 'from', 'to', 'error', 'payload'];
const confirmButton = (label, question, act) =>
  confirmWith(label, question, act, (error) => showMessage(error.message));

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const statusLabel = (job) =>
  el('span', { class: `status status-${job.status}` }, job.cancelledAt ? 'Failed (cancelled)' : job.status);

function showMessage(text, ok = false) {
  message.textContent = text;
  message.className = ok ? 'message ok' : 'message';
  message.hidden = false;
}

/** Calls the admin API with the tab's token; a problem document becomes an Error with its detail. */
async function api(path, options = {}) {
  const token = sessionStorage.getItem(tokenKey);
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) document.getElementById('token-form').hidden = false;
  if (!response.ok) {
    const fields = body.errors
      ? ' ' +
        Object.entries(body.errors)
          .map(([f, m]) => `${f}: ${m.join(', ')}`)
          .join('; ')
      : '';
    throw new Error(`${body.title ?? response.status}: ${body.detail ?? ''}${fields}`);
  }
  return body;
}

async function overviewPage() {
  document.title = 'Overview · Ingest jobs';
  const data = await api('/admin/overview');
  document.getElementById('read-only').hidden = !data.readOnly;
  const lastHour = data.perMinute.reduce(
    (sum, m) => ({ s: sum.s + m.succeeded, f: sum.f + m.failed, c: sum.c + m.cancelled }),
    { s: 0, f: 0, c: 0 },
  );
  const oldest = data.oldestPending;
  main.replaceChildren(
    el('h1', {}, 'Overview'),
    el(
      'div',
      { class: 'cards', id: 'counts' },
      statuses.map((s) =>
        el(
          'a',
          { class: 'card', href: `/ui/jobs?status=${s}`, 'data-status': s },
          el(
            'span',
            { class: `n status-${s}` },
            (data.estimated.includes(s) ? '≈ ' : '') + data.counts[s].toLocaleString(),
          ),
          s,
        ),
      ),
    ),
    el('h2', {}, 'Last hour'),
    el(
      'p',
      { class: 'legend' },
      el('span', {}, el('i', { class: 'swatch succeeded' }), `${lastHour.s} succeeded`),
      el('span', {}, el('i', { class: 'swatch failed' }), `${lastHour.f} failed`),
      el('span', {}, el('i', { class: 'swatch cancelled' }), `${lastHour.c} cancelled`),
    ),
    minuteChart(data.perMinute),
    el('h2', {}, 'Oldest pending job'),
    oldest
      ? el(
          'p',
          {},
          el('a', { href: `/ui/jobs/${oldest.jobId}` }, oldest.jobId),
          ` of tenant `,
          el('code', {}, oldest.tenantId),
          `, waiting ${Math.round(oldest.ageSeconds)} s (created ${when(oldest.createdAt)})`,
        )
      : el('p', { class: 'muted' }, 'No job is pending.'),
  );
}

function filterForm(params) {
  const input = (name, label, placeholder) =>
    el(
      'label',
      {},
      label,
      el('input', { name, value: params.get(name) ?? '', placeholder, size: name === 'payload' ? 24 : 18 }),
    );
  const status = el(
    'select',
    { name: 'status' },
    el('option', { value: '' }, 'any'),
    statuses.map((s) => el('option', { value: s, selected: params.get('status') === s }, s)),
  );
  const form = el(
    'form',
    { class: 'filters panel', id: 'filters' },
    el('label', {}, 'Status', status),
    input('tenant', 'Tenant', 'acme'),
    input('from', 'Created from', '2024-05-01T00:00:00Z'),
    input('to', 'Created before', '2024-05-02T00:00:00Z'),
    input('error', 'Error contains', 'timeout'),
    input('payload', 'Payload', 'customer.id=42'),
    el('button', { type: 'submit' }, 'Filter'),
    el('a', { href: '/ui/jobs' }, 'Clear'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form))
      if (String(value).trim() !== '') next.set(name, String(value).trim());
    location.assign(`/ui/jobs${next.size ? `?${next}` : ''}`);
  });
  return form;
}

async function jobsPage() {
  document.title = 'Jobs · Ingest jobs';
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const name of [...filterFields, 'cursor']) if (params.get(name)) query.set(name, params.get(name));
  main.replaceChildren(el('h1', {}, 'Jobs'), filterForm(params));
  const data = await api(`/admin/jobs?${query}`);
  const rows = data.jobs.map((job) =>
    el(
      'tr',
      { 'data-job-id': job.jobId },
      el('td', {}, el('a', { href: `/ui/jobs/${job.jobId}` }, job.jobId.slice(0, 8))),
      el('td', { class: 'wrap tenant' }, job.tenantId),
      el('td', {}, statusLabel(job)),
      el('td', {}, `${job.attempt}/${job.maxAttempts}`),
      el('td', {}, String(job.eventCount)),
      el('td', {}, when(job.createdAt)),
      el('td', { class: 'error' }, job.error ?? ''),
    ),
  );
  const next = new URLSearchParams(query);
  if (data.nextCursor) next.set('cursor', data.nextCursor);
  const filter = {};
  for (const name of ['tenant', 'from', 'to', 'error', 'payload'])
    if (params.get(name)) filter[name] = params.get(name);
  // Through el(), which drops the parts left out (null) instead of writing "null".
  main.append(
    el(
      'div',
      {},
      data.from && (params.get('payload') || params.get('error')) && !params.get('from')
        ? el(
            'p',
            { class: 'muted' },
            `Searched the jobs created since ${when(data.from)}; set “Created from” to search further back.`,
          )
        : null,
      rows.length
        ? table(['Job', 'Tenant', 'Status', 'Attempt', 'Events', 'Created', 'Error'], rows)
        : el('p', { class: 'muted', id: 'empty' }, 'No job matches.'),
      el(
        'p',
        { class: 'actions' },
        query.get('cursor')
          ? el(
              'a',
              {
                href:
                  '/ui/jobs' +
                  (() => {
                    const first = new URLSearchParams(query);
                    first.delete('cursor');
                    return first.size ? `?${first}` : '';
                  })(),
              },
              'First page',
            )
          : null,
        data.nextCursor ? el('a', { href: `/ui/jobs?${next}`, id: 'next-page' }, 'Next page') : null,
      ),
      params.get('status') === 'Failed'
        ? confirmButton('Retry all', 'Retry every Failed job matching this filter?', async () => {
            const result = await api('/admin/jobs/retry', { method: 'POST', body: filter });
            showMessage(
              `${result.retried} jobs retried${result.complete ? '' : ' (more remain: retry again)'}.`,
              true,
            );
          })
        : null,
    ),
  );
}

async function jobPage(jobId) {
  document.title = `Job ${jobId.slice(0, 8)} · Ingest jobs`;
  const job = await api(`/admin/jobs/${encodeURIComponent(jobId)}`);
  const field = (name, value) => el('tr', {}, el('th', {}, name), el('td', { class: 'wrap' }, value));
  const act = (verb) => async () => {
    await api(`/admin/jobs/${job.jobId}/${verb}`, { method: 'POST' });
    showMessage(verb === 'retry' ? 'Job retried: it is Pending again.' : 'Job cancelled.', true);
    await render();
  };
  main.replaceChildren(
    el('h1', {}, 'Job ', el('code', {}, job.jobId)),
    el(
      'div',
      { class: 'actions' },
      job.status === 'Failed'
        ? confirmButton('Retry', 'Retry this job with all its attempts?', act('retry'))
        : null,
      job.status === 'Pending'
        ? confirmButton('Cancel', 'Cancel this job? It becomes Failed.', act('cancel'))
        : null,
    ),
    table(
      ['Field', 'Value'],
      [
        field('Status', statusLabel(job)),
        field('Tenant', el('span', { class: 'tenant' }, job.tenantId)),
        field('Attempt', `${job.attempt} of ${job.maxAttempts}`),
        field('Events', String(job.eventCount)),
        field('Error', el('span', { id: 'job-error' }, job.error ?? '—')),
        field('Created', when(job.createdAt)),
        field('Next attempt', when(job.availableAt)),
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
          job.attempts.map((a) =>
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
          ),
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
  );
  main.append(...(await webhookSection(job.jobId, { api, when, confirmButton, showMessage, render })));
  // A job still on its way is shown as it moves.
  if (job.status === 'Pending' || job.status === 'Processing') setTimeout(() => void render(), 1000);
}

async function render() {
  const path = location.pathname.replace(/\/+$/, '');
  const jobMatch = /^\/ui\/jobs\/([^/]+)$/.exec(path);
  try {
    if (jobMatch) await jobPage(decodeURIComponent(jobMatch[1]));
    else if (path === '/ui/jobs') await jobsPage();
    else await overviewPage();
    document.body.dataset.loaded = 'true';
  } catch (error) {
    showMessage(error.message);
    document.body.dataset.loaded = 'error';
  }
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(tokenKey, document.getElementById('token').value);
  location.reload();
});
void render();

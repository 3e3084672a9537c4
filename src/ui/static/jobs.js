// The job list: every filter in the URL (a link or a reload reproduces the view), one page at a time
// with a keyset cursor, live. Bulk actions (retry every Failed job, cancel every Pending or Processing
// job of the filter) sit outside the live part, so a refresh never takes a half-confirmed action away.
import { actionButton, api, showMessage } from './api.js';
import { el, fill, pager, table } from './dom.js';
import { jobIdCell } from './jobId.js';
import { live } from './live.js';

const statuses = ['Pending', 'Processing', 'Succeeded', 'Failed'];
/** The status the URL names, in any case (?status=failed), as the API spells it. */
const statusParam = (params) =>
  statuses.find((s) => s.toLowerCase() === (params.get('status') ?? '').trim().toLowerCase());
const filterFields = ['status', 'tenant', 'from', 'to', 'error', 'payload'];
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

/** A job's status as a label: a cancelled job is Failed, and says so. */
export const statusLabel = (job) =>
  el('span', { class: `status status-${job.status}` }, job.cancelledAt ? 'Failed (cancelled)' : job.status);

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
    statuses.map((s) => el('option', { value: s, selected: statusParam(params) === s }, s)),
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

function bulkActions(params, refresh) {
  const filter = {};
  for (const name of ['tenant', 'from', 'to', 'error', 'payload'])
    if (params.get(name)) filter[name] = params.get(name);
  const status = statusParam(params);
  const bulk = (verb, question) =>
    actionButton(`${verb === 'retry' ? 'Retry' : 'Cancel'} all`, question, async () => {
      const body = verb === 'cancel' ? { ...filter, status } : filter;
      const result = await api(`/admin/jobs/${verb}`, { method: 'POST', body });
      const count = verb === 'retry' ? result.retried : result.cancelled;
      const done = verb === 'retry' ? 'retried' : 'cancelled';
      showMessage(`${count} jobs ${done}${result.complete ? '' : ` (more remain: ${verb} again)`}.`, true);
      await refresh();
    });
  return el(
    'div',
    { class: 'actions', id: 'bulk-actions' },
    status === 'Failed' ? bulk('retry', 'Retry every Failed job matching this filter?') : null,
    status === 'Pending' || status === 'Processing'
      ? bulk('cancel', `Cancel every ${status} job matching this filter? They become Failed.`)
      : null,
  );
}

/** The job list page. */
export async function jobsPage(main) {
  document.title = 'Jobs · Ingest jobs';
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const name of [...filterFields, 'cursor']) if (params.get(name)) query.set(name, params.get(name));
  const region = el('div', { id: 'live-region' });
  const { bar, refresh } = live({
    everyMs: 5000,
    region,
    load: () => api(`/admin/jobs?${query}`),
    draw: (data) => {
      const rows = data.jobs.map((job) =>
        el(
          'tr',
          { 'data-job-id': job.jobId },
          jobIdCell(job.jobId),
          el('td', { class: 'wrap tenant' }, job.tenantId),
          el('td', {}, statusLabel(job)),
          el('td', {}, `${job.attempt}/${job.maxAttempts}`),
          el('td', {}, String(job.eventCount)),
          el('td', {}, when(job.createdAt)),
          el('td', { class: 'error' }, job.error ?? ''),
        ),
      );
      // Through el(), which drops the parts left out (null) instead of writing "null".
      fill(
        region,
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
        pager('/ui/jobs', query, data.nextCursor),
      );
    },
  });
  main.replaceChildren(el('h1', {}, 'Jobs'), filterForm(params), bar, region, bulkActions(params, refresh));
  await refresh();
}

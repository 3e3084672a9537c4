// The tenants: who has a backlog (the longest first), who fails, who is paused; each links to its jobs.
// Pause and resume per tenant. Live; filters (one tenant, paused only) and the page cursor in the URL.
import { actionButton, api, showMessage } from './api.js';
import { duration } from './chart.js';
import { el, fill, pager, table } from './dom.js';
import { live } from './live.js';

const cap = 10_000;
const count = (n) => (n >= cap ? `${cap.toLocaleString()}+` : n.toLocaleString());
const jobsOf = (tenantId, more = {}) => `/ui/jobs?${new URLSearchParams({ tenant: tenantId, ...more })}`;

function row(tenant, refresh) {
  const act = (verb) => async () => {
    await api(`/admin/tenants/${encodeURIComponent(tenant.tenantId)}/${verb}`, { method: 'POST' });
    showMessage(`Tenant ${tenant.tenantId} ${verb === 'pause' ? 'paused' : 'resumed'}.`, true);
    await refresh();
  };
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  return el(
    'tr',
    {
      class: 'tenant-row',
      'data-tenant': tenant.tenantId,
      'data-paused': tenant.pausedAt ? 'true' : 'false',
    },
    el('td', { class: 'wrap' }, el('a', { class: 'tenant', href: jobsOf(tenant.tenantId) }, tenant.tenantId)),
    el(
      'td',
      { class: 'n pending' },
      el('a', { href: jobsOf(tenant.tenantId, { status: 'Pending' }) }, count(tenant.pending)),
    ),
    el(
      'td',
      { class: 'n' },
      el('a', { href: jobsOf(tenant.tenantId, { status: 'Processing' }) }, count(tenant.processing)),
    ),
    el(
      'td',
      { class: 'n failed-24h' },
      el(
        'a',
        { href: jobsOf(tenant.tenantId, { status: 'Failed', from: since }) },
        count(tenant.failedLast24h),
      ),
    ),
    el('td', { class: 'n' }, tenant.finishedLastHour.toLocaleString()),
    el('td', {}, tenant.oldestPendingAgeSeconds === null ? '—' : duration(tenant.oldestPendingAgeSeconds)),
    el(
      'td',
      {},
      tenant.pausedAt
        ? el(
            'span',
            { class: 'badge paused', title: `since ${new Date(tenant.pausedAt).toLocaleString()}` },
            'paused',
          )
        : null,
      ' ',
      tenant.pausedAt
        ? actionButton('Resume', `Resume tenant ${tenant.tenantId}?`, act('resume'))
        : actionButton(
            'Pause',
            `Pause tenant ${tenant.tenantId}? Its jobs are accepted and wait.`,
            act('pause'),
          ),
    ),
  );
}

function filters(params) {
  const form = el(
    'form',
    { class: 'filters panel', id: 'tenant-filters' },
    el(
      'label',
      {},
      'Tenant',
      el('input', { name: 'tenant', value: params.get('tenant') ?? '', placeholder: 'acme' }),
    ),
    el(
      'label',
      { class: 'inline' },
      el('input', {
        type: 'checkbox',
        name: 'paused',
        value: 'true',
        checked: params.get('paused') === 'true',
      }),
      'Paused only',
    ),
    el('button', { type: 'submit' }, 'Show'),
    el('a', { href: '/ui/tenants' }, 'All tenants'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form))
      if (String(value).trim() !== '') next.set(name, String(value));
    location.assign(`/ui/tenants${next.size ? `?${next}` : ''}`);
  });
  return form;
}

/** The tenants page. */
export async function tenantsPage(main) {
  document.title = 'Tenants · Ingest jobs';
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const name of ['tenant', 'paused', 'cursor']) if (params.get(name)) query.set(name, params.get(name));
  const region = el('div', { id: 'live-region' });
  const { bar, refresh } = live({
    everyMs: 5000,
    region,
    load: () => api(`/admin/tenants?${query}`),
    draw: (data) => {
      fill(
        region,
        data.tenants.length
          ? table(
              [
                'Tenant',
                'Pending',
                'Processing',
                'Failed (24 h)',
                'Finished (last hour)',
                'Oldest pending',
                'Paused',
              ],
              data.tenants.map((tenant) => row(tenant, refresh)),
            )
          : el('p', { class: 'muted', id: 'empty' }, 'No tenant matches.'),
        pager('/ui/tenants', query, data.nextCursor),
      );
    },
  });
  main.replaceChildren(
    el('h1', {}, 'Tenants'),
    el(
      'p',
      { class: 'muted' },
      'Tenants with Pending jobs first, the longest backlog first; then the others by name. Failed (24 h) counts ' +
        'the Failed jobs among those created in the last 24 hours; counts stop at 10,000.',
    ),
    filters(params),
    bar,
    region,
  );
  await refresh();
}

// The overview: counts per status, pauses, the history of finished jobs (last hour per minute, 24 hours
// and 7 days per hour) with the time from acceptance to finish, and the oldest pending job. Live.
import { actionButton, api, showMessage } from './api.js';
import { duration, finishedChart, latencyChart } from './chart.js';
import { el, fill } from './dom.js';
import { live } from './live.js';

const statuses = ['Pending', 'Processing', 'Succeeded', 'Failed'];
const ranges = {
  hour: { label: 'Last hour', buckets: (d) => d.perMinute, key: 'minute', hours: 0 },
  day: { label: '24 hours', buckets: (d) => d.perHour.slice(-24), key: 'hour', hours: 24 },
  week: { label: '7 days', buckets: (d) => d.perHour, key: 'hour', hours: 168 },
};
const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const dayTime = (iso) =>
  new Date(iso).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });

function history(data, rangeName) {
  const range = ranges[rangeName];
  const buckets = range.buckets(data).map((b) => ({ ...b, start: b[range.key] }));
  const totals = buckets.reduce(
    (sum, b) => ({ s: sum.s + b.succeeded, f: sum.f + b.failed, c: sum.c + b.cancelled }),
    { s: 0, f: 0, c: 0 },
  );
  const labelOf = (b) => (rangeName === 'week' ? dayTime(b.start) : time(b.start));
  const tipOf = (b) => (rangeName === 'week' ? dayTime(b.start) : time(b.start));
  const per = rangeName === 'hour' ? 'minute' : 'hour';
  return [
    el(
      'p',
      { class: 'ranges' },
      Object.entries(ranges).map(([name, r]) =>
        el(
          'a',
          { href: `/ui?range=${name}`, class: name === rangeName ? 'range current' : 'range' },
          r.label,
        ),
      ),
    ),
    el(
      'p',
      { class: 'legend' },
      el('span', {}, el('i', { class: 'swatch succeeded' }), `${totals.s} succeeded`),
      el('span', {}, el('i', { class: 'swatch failed' }), `${totals.f} failed`),
      el('span', {}, el('i', { class: 'swatch cancelled' }), `${totals.c} cancelled`),
    ),
    finishedChart(buckets, {
      title: `Jobs finished per ${per}, ${range.label.toLowerCase()}`,
      labelOf,
      tipOf,
    }),
    el(
      'p',
      { class: 'legend' },
      'Time from acceptance to finish, per ',
      per,
      ': ',
      el('span', {}, el('i', { class: 'swatch p50' }), 'p50'),
      el('span', {}, el('i', { class: 'swatch p95' }), 'p95'),
    ),
    latencyChart(buckets, { title: `Time from acceptance to finish per ${per}`, labelOf, tipOf }),
  ];
}

function pauses(data, refresh) {
  const paused = data.paused.processingPausedAt;
  const act = (verb) => async () => {
    await api(`/admin/processing/${verb}`, { method: 'POST' });
    showMessage(verb === 'pause' ? 'Processing paused for every tenant.' : 'Processing resumed.', true);
    await refresh();
  };
  return el(
    'div',
    { class: 'panel pauses', id: 'processing', 'data-paused': paused ? 'true' : 'false' },
    paused
      ? el('strong', { class: 'paused' }, `Processing paused since ${new Date(paused).toLocaleString()}`)
      : el('span', {}, 'Processing runs.'),
    ' ',
    paused
      ? actionButton('Resume processing', 'Resume processing for every tenant?', act('resume'))
      : actionButton(
          'Pause processing',
          'Pause processing for every tenant? Running jobs finish; new jobs are accepted and wait.',
          act('pause'),
        ),
    ' ',
    el(
      'a',
      { href: '/ui/tenants?paused=true', id: 'paused-tenants' },
      `${data.paused.tenants} ${data.paused.tenants === 1 ? 'tenant' : 'tenants'} paused`,
    ),
  );
}

/** The overview page. */
export async function overviewPage(main) {
  document.title = 'Overview · Ingest jobs';
  const rangeName = new URLSearchParams(location.search).get('range');
  const range = rangeName in ranges ? rangeName : 'hour';
  const region = el('div', { id: 'live-region' });
  const { bar, refresh } = live({
    everyMs: 5000,
    region,
    load: () => api('/admin/overview'),
    draw: (data) => {
      document.getElementById('read-only').hidden = !data.readOnly;
      const oldest = data.oldestPending;
      fill(
        region,
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
        pauses(data, refresh),
        el('h2', {}, 'Finished jobs'),
        ...history(data, range),
        el('h2', {}, 'Oldest pending job'),
        oldest
          ? el(
              'p',
              {},
              el('a', { href: `/ui/jobs/${oldest.jobId}` }, oldest.jobId),
              ` of tenant `,
              el('code', {}, oldest.tenantId),
              `, waiting ${duration(oldest.ageSeconds)} (created ${new Date(oldest.createdAt).toLocaleString()})`,
            )
          : el('p', { class: 'muted' }, 'No job is pending.'),
      );
    },
  });
  main.replaceChildren(el('h1', {}, 'Overview'), bar, region);
  await refresh();
}

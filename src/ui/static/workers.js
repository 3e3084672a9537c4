// The worker processes: each announces itself every few seconds; one that stops announcing (killed,
// frozen, cut off) shows as gone within half a minute, with the jobs its leases still hold. Live.
import { api } from './api.js';
import { duration } from './chart.js';
import { el, fill, table } from './dom.js';
import { live } from './live.js';

const states = { live: 'live', gone: 'gone quiet', stopped: 'stopped' };

function row(worker) {
  return el(
    'tr',
    { class: `worker worker-${worker.state}`, 'data-worker-id': worker.workerId, 'data-state': worker.state },
    el('td', { class: 'wrap' }, el('code', {}, worker.workerId)),
    el('td', { class: 'wrap' }, worker.host),
    el('td', {}, String(worker.pid)),
    el('td', {}, worker.version),
    el('td', {}, new Date(worker.startedAt).toLocaleString()),
    el('td', { class: 'n' }, String(worker.concurrency)),
    el('td', { class: 'n in-hand' }, String(worker.jobsInHand)),
    el('td', { class: 'n' }, String(worker.leasedJobs)),
    el('td', {}, `${duration(worker.lastHeartbeatAgeSeconds)} ago`),
    el('td', {}, el('span', { class: `state state-${worker.state}` }, states[worker.state])),
  );
}

/** The workers page. */
export async function workersPage(main) {
  document.title = 'Workers · Ingest jobs';
  const region = el('div', { id: 'live-region' });
  const { bar, refresh } = live({
    everyMs: 5000,
    region,
    load: () => api('/admin/workers'),
    draw: (data) => {
      const alive = data.workers.filter((w) => w.state === 'live').length;
      fill(
        region,
        el('p', { id: 'worker-summary' }, `${alive} live worker ${alive === 1 ? 'process' : 'processes'}`),
        data.workers.length
          ? table(
              [
                'Worker',
                'Host',
                'PID',
                'Version',
                'Started',
                'Concurrency',
                'Jobs in hand',
                'Leases held',
                'Last heard',
                'State',
              ],
              data.workers.map(row),
            )
          : el(
              'p',
              { class: 'muted', id: 'empty' },
              'No worker process has announced itself in the last hour.',
            ),
      );
    },
  });
  main.replaceChildren(
    el('h1', {}, 'Workers'),
    el(
      'p',
      { class: 'muted' },
      'Each worker process announces itself every 5 s; one not heard from for 20 s is gone (killed, frozen or ' +
        'cut off from the database) and its jobs return to Pending when their leases run out. Gone and stopped ' +
        'processes stay listed for an hour.',
    ),
    bar,
    region,
  );
  await refresh();
}

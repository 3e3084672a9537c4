// Pages that keep themselves current. Each one reads the admin API every few seconds and redraws only
// what changed, in one DOM update (no flicker). Many open tabs must not become a storm of requests: a
// hidden tab does not read at all (it reads once when shown again), a failing read backs off (doubling
// up to a minute), one read is in flight at a time, and every tab starts at a slightly different moment.
// A read the service refuses for good (a bad filter, an unknown job, no key) is not repeated: the same
// request would be refused again. The operator can pause it; the bar says when the page last read and
// whether it is live.
import { showMessage } from './api.js';
import { el } from './dom.js';

const pausedKey = 'ingestLivePaused';
const maxBackoffMs = 60_000;

/** A refusal that repeating the same request cannot change: a 4xx other than a timeout or a rate limit. */
const refusedForGood = (error) =>
  error.status >= 400 && error.status < 500 && ![408, 429].includes(error.status);

/**
 * Runs `load` now and then every `everyMs` while live, handing each result to `draw` unless it is the
 * same as the last. A redraw waits while the operator is selecting text or confirming an action inside
 * `region`. Paused, the page stays as it is, even when a read was on its way at the moment of pausing.
 * Returns the status bar to put on the page and `refresh` to read and draw at once, paused or not (the
 * first load, and after an action; one asked for while a read is on its way follows it).
 */
export function live({ everyMs, load, draw, region }) {
  let timer;
  let inFlight = false;
  let again = false;
  let failures = 0;
  let lastJson;
  let pending;
  let lastAt;
  let stopped = false;
  const label = el('span', { class: 'live-label', 'aria-live': 'polite' });
  const toggle = el('button', { type: 'button', class: 'live-toggle' });
  const bar = el('p', { class: 'live-bar muted' }, label, ' ', toggle);
  const paused = () => sessionStorage.getItem(pausedKey) === 'true';

  const describe = (extra = '') => {
    const when = lastAt ? `Updated ${lastAt.toLocaleTimeString()}` : 'Not loaded yet';
    label.textContent = stopped
      ? `${when} · not read again: the service refused the read${extra}`
      : paused()
        ? `${when} · live updates paused`
        : `${when} · live, every ${Math.round(everyMs / 1000)} s${extra}`;
    toggle.textContent = stopped ? 'Try again' : paused() ? 'Resume live updates' : 'Pause';
    bar.dataset.live = stopped ? 'stopped' : paused() ? 'paused' : 'live';
  };
  const busy = () => {
    const selection = document.getSelection();
    const selecting = selection && !selection.isCollapsed && region.contains(selection.anchorNode);
    return selecting || region.querySelector('[data-confirming]') !== null;
  };
  const apply = (data) => {
    if (busy()) {
      pending = data;
      return;
    }
    pending = undefined;
    draw(data);
  };
  const schedule = (ms) => {
    clearTimeout(timer);
    if (!paused()) timer = setTimeout(() => void refresh(), ms);
  };
  async function refresh(asked = false) {
    if (inFlight) {
      again ||= asked;
      return;
    }
    // A hidden tab reads again when it is shown.
    if (!asked && (stopped || paused() || (document.hidden && lastAt))) return;
    inFlight = true;
    try {
      const data = await load();
      if (!asked && paused()) return;
      failures = 0;
      lastAt = new Date();
      const json = JSON.stringify(data);
      if (json !== lastJson) {
        lastJson = json;
        apply(data);
      } else if (pending && !busy()) apply(pending);
      describe();
      schedule(everyMs + Math.random() * 500);
    } catch (error) {
      if (refusedForGood(error)) {
        stopped = true;
        clearTimeout(timer);
        bar.dataset.failed = 'true';
        // On the first read the page shows the refusal as its message; later, the bar says it.
        describe(lastAt ? ` (${error.message})` : '');
        if (!lastAt) throw error;
        return;
      }
      failures += 1;
      const backoff = Math.min(everyMs * 2 ** failures, maxBackoffMs);
      describe(` · last read failed (${error.message}); trying again in ${Math.round(backoff / 1000)} s`);
      bar.dataset.failed = 'true';
      schedule(backoff);
      if (!lastAt) throw error;
      return;
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        void refresh(true);
      }
    }
    delete bar.dataset.failed;
  }
  toggle.addEventListener('click', () => {
    if (stopped) {
      stopped = false;
      describe();
      refresh(true).catch((error) => showMessage(error.message));
      return;
    }
    sessionStorage.setItem(pausedKey, String(!paused()));
    describe();
    if (paused()) clearTimeout(timer);
    else void refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !paused() && !stopped) void refresh();
  });
  describe();
  return { bar, refresh: () => refresh(true) };
}

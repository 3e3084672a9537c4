// Pages that keep themselves current. Each one reads the admin API every few seconds and redraws only
// what changed, in one DOM update (no flicker). Many open tabs must not become a storm of requests: a
// hidden tab does not read at all (it reads once when shown again), a failing read backs off (doubling
// up to a minute), one read is in flight at a time, and every tab starts at a slightly different moment.
// The operator can pause it; the bar says when the page last read and whether it is live.
import { el } from './dom.js';

const pausedKey = 'ingestLivePaused';
const maxBackoffMs = 60_000;

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
  const label = el('span', { class: 'live-label', 'aria-live': 'polite' });
  const toggle = el('button', { type: 'button', class: 'live-toggle' });
  const bar = el('p', { class: 'live-bar muted' }, label, ' ', toggle);
  const paused = () => sessionStorage.getItem(pausedKey) === 'true';

  const describe = (extra = '') => {
    const when = lastAt ? `Updated ${lastAt.toLocaleTimeString()}` : 'Not loaded yet';
    label.textContent = paused()
      ? `${when} · live updates paused`
      : `${when} · live, every ${Math.round(everyMs / 1000)} s${extra}`;
    toggle.textContent = paused() ? 'Resume live updates' : 'Pause';
    bar.dataset.live = paused() ? 'paused' : 'live';
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
    if (!asked && (paused() || (document.hidden && lastAt))) return;
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
    sessionStorage.setItem(pausedKey, String(!paused()));
    describe();
    if (paused()) clearTimeout(timer);
    else void refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !paused()) void refresh();
  });
  describe();
  return { bar, refresh: () => refresh(true) };
}

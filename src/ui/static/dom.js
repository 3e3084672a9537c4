// The dashboard's DOM helpers. Values reach the page only as text nodes: el() appends strings with
// append(), which never parses markup.

/** An element with attributes and children; strings become text nodes. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null));
  return element;
}

/**
 * A button that asks for a second click before it acts. While it asks, its wrapper carries
 * data-confirming, and a live page does not redraw under it.
 */
export function confirmButton(label, question, act, onError) {
  const wrapper = el('span', { class: 'actions' });
  const start = el(
    'button',
    {
      type: 'button',
      class: 'danger',
      onclick: () => {
        start.hidden = true;
        wrapper.dataset.confirming = 'true';
        wrapper.append(ask, yes, no);
      },
    },
    label,
  );
  const ask = el('span', {}, question);
  const yes = el(
    'button',
    {
      type: 'button',
      class: 'confirm',
      onclick: async () => {
        yes.disabled = true;
        // Asked and answered: the page may redraw (and replace this button) as the action completes.
        delete wrapper.dataset.confirming;
        try {
          await act();
        } catch (error) {
          onError(error);
        } finally {
          ask.remove();
          yes.remove();
          no.remove();
          yes.disabled = false;
          start.hidden = false;
        }
      },
    },
    `Yes, ${label.toLowerCase()}`,
  );
  const no = el(
    'button',
    {
      type: 'button',
      onclick: () => {
        ask.remove();
        yes.remove();
        no.remove();
        start.hidden = false;
        delete wrapper.dataset.confirming;
      },
    },
    'No',
  );
  wrapper.append(start);
  return wrapper;
}

/** A table with one header row. */
export function table(headings, rows) {
  // A column of numbers (cells of class n) is right-aligned, and so is its heading.
  const first = Array.isArray(rows) ? rows[0] : undefined;
  const numeric = (i) => first?.children[i]?.classList.contains('n') ?? false;
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headings.map((h, i) => el('th', numeric(i) ? { class: 'n' } : {}, h)),
      ),
    ),
    el('tbody', {}, rows),
  );
}

/** Replaces what `region` holds with `parts`, in one DOM update; parts left out (null) are skipped. */
export function fill(region, ...parts) {
  region.replaceChildren(...parts.flat().filter((part) => part !== undefined && part !== null));
}

/**
 * The links between pages of a keyset-paginated list at `path`: to the first page when `query` holds a
 * cursor, to the next when the answer gave one. The other parameters of `query` (the filters) are kept.
 */
export function pager(path, query, nextCursor) {
  const first = new URLSearchParams(query);
  first.delete('cursor');
  const next = new URLSearchParams(query);
  if (nextCursor) next.set('cursor', nextCursor);
  return el(
    'p',
    { class: 'actions' },
    query.get('cursor') ? el('a', { href: `${path}${first.size ? `?${first}` : ''}` }, 'First page') : null,
    nextCursor ? el('a', { href: `${path}?${next}`, id: 'next-page' }, 'Next page') : null,
  );
}

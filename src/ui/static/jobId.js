// How a job id is shown in lists. Ids are UUIDv7: their first 12 hex digits are the time, so every job of
// the same minute starts with the same 8 characters. A row shows the first 8 (muted) and the last 8 (the
// random part, which tells them apart); the whole id is the link's title, the copy button's payload and
// what a text selection of the cell copies.
import { el } from './dom.js';

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The first job id in pasted text (a bare id, a dashboard or API URL, a log line), lowercased. */
export function findJobId(text) {
  return uuid.exec(text)?.[0].toLowerCase();
}

/** A copy button for `text`; where the clipboard is not available, it selects the text to copy by hand. */
export function copyButton(text, what = 'id') {
  const button = el('button', { type: 'button', class: 'copy', title: `Copy the whole ${what}` }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      const field = el('input', { class: 'copy-field', readonly: true, value: text, size: text.length });
      button.replaceWith(field);
      field.select();
    }
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
  return button;
}

/** A job id cell: a link to the job reading head…tail, and a copy button. */
export function jobIdCell(jobId) {
  return el(
    'td',
    { class: 'job-id' },
    el(
      'a',
      { href: `/ui/jobs/${jobId}`, title: jobId },
      el('span', { class: 'id-head' }, jobId.slice(0, 8)),
      el('span', { class: 'id-middle' }, jobId.slice(8, -8)),
      el('span', { class: 'id-tail' }, jobId.slice(-8)),
    ),
    ' ',
    copyButton(jobId),
  );
}

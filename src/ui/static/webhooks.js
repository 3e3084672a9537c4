// The job page's webhook section: each message written when the job finished, with every attempt
// (status, duration, error) and a re-send button. Values reach the page as text only, as everywhere.
import { el, table } from './dom.js';

function attemptRow(attempt, when) {
  if (attempt.resentAt)
    return el(
      'tr',
      { class: 'webhook-resent' },
      el('td', { colspan: 5 }, `re-sent by an operator ${when(attempt.resentAt)}`),
    );
  return el(
    'tr',
    { class: 'webhook-attempt' },
    el('td', {}, String(attempt.attempt)),
    el('td', {}, when(attempt.startedAt)),
    el('td', {}, `${attempt.durationMs} ms`),
    el('td', { class: 'status-code' }, attempt.statusCode == null ? '—' : String(attempt.statusCode)),
    el('td', { class: 'error' }, attempt.error ?? ''),
  );
}

/**
 * The section's elements for a job's `webhooks` (as GET /admin/jobs/{jobId}/webhooks lists them). `page`
 * gives the page's helpers: api (the admin API call), when (a time as text), confirmButton, showMessage,
 * and render (reads and draws the page again).
 */
export function webhookSection(webhooks, page) {
  const heading = el('h2', {}, `Webhooks (${webhooks.length})`);
  if (webhooks.length === 0)
    return [
      heading,
      el('p', { class: 'muted' }, "None: the job's tenant had no webhook endpoint when it finished."),
    ];
  return [
    heading,
    ...webhooks.map((webhook) =>
      el(
        'section',
        { class: 'webhook', 'data-webhook-id': webhook.webhookId },
        el(
          'p',
          {},
          el('code', {}, webhook.webhookId),
          ` ${webhook.eventType} to `,
          el('span', { class: 'wrap' }, webhook.url ?? '(endpoint deleted)'),
          ' ',
          el(
            'span',
            { class: `status webhook-${webhook.status}` },
            webhook.sending ? 'sending' : webhook.status,
          ),
          webhook.status === 'pending' && !webhook.sending
            ? ` · next attempt ${page.when(webhook.nextAttemptAt)}`
            : '',
        ),
        page.confirmButton('Re-send', 'Send this message again, with the same webhook-id?', async () => {
          await page.api(`/admin/webhooks/messages/${webhook.webhookId}/resend`, { method: 'POST' });
          page.showMessage('The message is due again.', true);
          await page.render();
        }),
        webhook.attempts.length
          ? table(
              ['#', 'Started', 'Took', 'Status', 'Error'],
              webhook.attempts.map((attempt) => attemptRow(attempt, page.when)),
            )
          : el('p', { class: 'muted' }, 'No attempt yet.'),
      ),
    ),
  ];
}
